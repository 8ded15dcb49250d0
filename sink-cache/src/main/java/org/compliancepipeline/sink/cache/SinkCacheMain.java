package org.compliancepipeline.sink.cache;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** sink-cache: the current compliance state (control status, scores, leaderboards, recent records) in Redis. */
public final class SinkCacheMain {
    private SinkCacheMain() { }

    public static void main(String[] args) throws Exception {
        Env env = Env.system();
        ServiceRuntime runtime = ServiceRuntime.start(CacheSink.NAME, env, 9405);
        CacheSinkConfig config = CacheSinkConfig.fromEnv(env);
        SinkConfig sinkConfig = SinkConfig.fromEnv(env, CacheSink.NAME, config.topics(), Topics.SINK_CACHE_DLQ.name());
        List<String> problems = new ArrayList<>(env.problems());
        problems.addAll(config.problems());
        if (!problems.isEmpty()) {
            // The ops endpoint already runs: exit (closing it) rather than leave a process without a sink.
            LoggerFactory.getLogger(SinkCacheMain.class).error("{}", new ConfigException(problems).getMessage());
            System.exit(2);
        }

        CacheSink sink = CacheSink.start(sinkConfig, config, runtime.kafka(), runtime.registry());
        runtime.ops().register("redis-writes", sink.health());
        runtime.shutdown().register(CacheSink.NAME, sink);
        runtime.ops().markStarted();
        runtime.shutdown().await();
    }
}
