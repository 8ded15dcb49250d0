package org.compliancepipeline.ingest;

import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.platform.config.Env;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

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

        // Not ready until the HTTP server listens: the ops endpoint is up before the API is.
        AtomicReference<IngestApi> started = new AtomicReference<>();
        runtime.ops().register("http", () -> started.get() == null ? HealthCheck.Result.notReady("starting")
                : HealthCheck.Result.ready("listening on " + config.httpHost() + ":" + started.get().port()));
        IngestApi api;
        try {
            api = IngestApi.start(config, runtime.kafka(), runtime.registry(), grace.multipliedBy(2).dividedBy(3));
            started.set(api);
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
        runtime.shutdown().await();
    }
}
