package org.compliancepipeline.platform;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.config.OpsConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.OpsServer;
import org.compliancepipeline.platform.ops.ServiceMetrics;
import org.compliancepipeline.platform.ops.Shutdown;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;

/**
 * What every service's {@code main} starts with: metrics registry, ops endpoint, Kafka client
 * factory and graceful shutdown, configured from the environment.
 *
 * <pre>{@code
 * Env env = Env.system();
 * var runtime = ServiceRuntime.start("sink-cache", env, 9403);
 * var config = CacheSinkConfig.fromEnv(env);
 * env.validate();
 * ... runtime.shutdown().register("consumer", loop);
 * runtime.shutdown().await();
 * }</pre>
 */
public record ServiceRuntime(String service, PrometheusMeterRegistry registry, OpsServer ops, KafkaClients kafka,
                             Shutdown shutdown) {

    public static ServiceRuntime start(String service, Env env, int defaultOpsPort) {
        OpsConfig opsConfig = OpsConfig.fromEnv(env, defaultOpsPort);
        KafkaConfig kafkaConfig = KafkaConfig.fromEnv(env);
        Duration grace = env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(30));
        String instance = env.string("INSTANCE_ID", hostname());
        env.validate();

        PrometheusMeterRegistry registry = ServiceMetrics.create(service, instance);
        Shutdown shutdown = Shutdown.install(grace);
        try {
            OpsServer ops = OpsServer.start(opsConfig.host(), opsConfig.port(), registry);
            // Registered first, so closed last: /health stays answerable while the rest drains.
            shutdown.register("ops", ops);
            KafkaClients kafka = shutdown.register("kafka-client-metrics", new KafkaClients(kafkaConfig, registry));
            shutdown.register("stop-accepting", ops::markStopping);
            return new ServiceRuntime(service, registry, ops, kafka, shutdown);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the ops endpoint on " + opsConfig.host() + ":" + opsConfig.port()
                    + " (set OPS_PORT)", e);
        }
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "local";
        }
    }
}
