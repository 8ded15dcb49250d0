package org.compliancepipeline.sink.search;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.slf4j.LoggerFactory;

/** sink-search: enriched records and control status into Elasticsearch, for full-text search and facets. */
public final class SinkSearchMain {
    private SinkSearchMain() { }

    public static void main(String[] args) throws Exception {
        Env env = Env.system();
        ServiceRuntime runtime = ServiceRuntime.start(SearchSink.NAME, env, 9404);
        SearchSinkConfig config = SearchSinkConfig.fromEnv(env);
        SinkConfig sinkConfig = SinkConfig.fromEnv(env, SearchSink.NAME, config.topics(), Topics.SINK_SEARCH_DLQ.name());
        env.validate();

        SearchSink sink;
        try {
            sink = SearchSink.start(sinkConfig, config, runtime.kafka(), runtime.registry());
        } catch (Exception e) {
            LoggerFactory.getLogger(SinkSearchMain.class).error("cannot start: {}", e.getMessage(), e);
            System.exit(1);
            return;
        }
        runtime.ops().register("elasticsearch-writes", sink.health());
        runtime.shutdown().register(SearchSink.NAME, sink);
        runtime.ops().markStarted();
        runtime.shutdown().await();
    }
}
