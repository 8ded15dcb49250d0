package org.compliancepipeline.ingest;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.Env;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Starts the ingest API: {@code java -cp ... org.compliancepipeline.ingest.IngestApiMain}.
 * Configuration comes from environment variables (ingest-api/README.md); ops endpoint on 9401.
 */
public final class IngestApiMain {
    private static final Logger log = LoggerFactory.getLogger(IngestApiMain.class);

    private IngestApiMain() { }

    public static void main(String[] args) throws InterruptedException {
        Env env = Env.system();
        ServiceRuntime runtime = ServiceRuntime.start("ingest-api", env, 9401);
        IngestConfig config = IngestConfig.fromEnv(env);
        Duration grace = env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(30));
        env.validate();

        IngestApi api;
        try {
            api = IngestApi.start(config, runtime.kafka(), runtime.registry(), grace.multipliedBy(2).dividedBy(3));
        } catch (RuntimeException e) {
            log.error("ingest-api cannot start: {}", e.getMessage(), e);
            runtime.shutdown().run();
            System.exit(1);
            return;
        }
        api.registerChecks(runtime.ops());
        runtime.shutdown().register("ingest-api", api);
        // Registered last, so run first: /ready turns 503 before the HTTP server starts draining.
        runtime.shutdown().register("not-ready", runtime.ops()::markStopping);
        runtime.ops().markStarted();      // the HTTP server listens and every check is registered
        runtime.shutdown().await();
    }
}
