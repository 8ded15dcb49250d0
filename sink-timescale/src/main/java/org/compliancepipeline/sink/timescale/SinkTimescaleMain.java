package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.schemas.Topics;

/** sink-timescale: enriched records, control status, scores and hourly stats into PostgreSQL / TimescaleDB. */
public final class SinkTimescaleMain {
    private SinkTimescaleMain() { }

    public static void main(String[] args) throws Exception {
        Env env = Env.system();
        ServiceRuntime runtime = ServiceRuntime.start(TimescaleSink.NAME, env, 9403);
        SinkConfig provisional = SinkConfig.fromEnv(env, TimescaleSink.NAME, java.util.List.of(), Topics.SINK_TIMESCALE_DLQ.name());
        TimescaleSinkConfig config = TimescaleSinkConfig.fromEnv(env, provisional.consumers());
        SinkConfig sinkConfig = SinkConfig.fromEnv(env, TimescaleSink.NAME, config.topics(), Topics.SINK_TIMESCALE_DLQ.name());
        env.validate();

        TimescaleSink sink;
        try {
            sink = TimescaleSink.start(sinkConfig, config, runtime.kafka(), runtime.registry());
        } catch (Exception e) {
            org.slf4j.LoggerFactory.getLogger(SinkTimescaleMain.class).error("cannot start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        runtime.ops().register("postgres-writes", sink.health());
        runtime.shutdown().register(TimescaleSink.NAME, sink);
        runtime.ops().markStarted();
        runtime.shutdown().await();
    }
}
