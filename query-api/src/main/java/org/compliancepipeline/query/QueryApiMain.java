package org.compliancepipeline.query;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.Env;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Starts the query API: {@code java -cp ... org.compliancepipeline.query.QueryApiMain}.
 * Configuration comes from environment variables (query-api/README.md); ops endpoint on 9406.
 */
public final class QueryApiMain {
    private static final Logger log = LoggerFactory.getLogger(QueryApiMain.class);

    private QueryApiMain() { }

    public static void main(String[] args) throws InterruptedException {
        Env env = Env.system();
        ServiceRuntime runtime = ServiceRuntime.start("query-api", env, 9406);
        QueryConfig config = QueryConfig.fromEnv(env);
        Duration grace = env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(30));
        env.validate();

        QueryApi api;
        try {
            api = QueryApi.start(config, runtime.kafka(), runtime.registry(), grace.multipliedBy(2).dividedBy(3));
        } catch (RuntimeException e) {
            log.error("query-api cannot start: {}", e.getMessage(), e);
            runtime.shutdown().run();
            System.exit(1);
            return;
        }
        api.registerChecks(runtime.ops());
        runtime.shutdown().register("query-api", api);
        runtime.shutdown().register("not-ready", runtime.ops()::markStopping);
        runtime.ops().markStarted();      // the HTTP server listens and every check is registered
        runtime.shutdown().await();
    }
}
