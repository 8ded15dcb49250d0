package org.compliancepipeline.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import picocli.CommandLine.Option;

import java.util.HashMap;
import java.util.Map;

/** How a command reaches Kafka: the services' environment variables, or {@code --bootstrap-servers}. */
final class KafkaOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "<host:port,...>",
            description = "Kafka brokers (default: KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092).")
    String bootstrapServers;

    KafkaClients clients(Env env) {
        Map<String, String> vars = new HashMap<>();
        if (bootstrapServers != null) vars.put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers);
        Env effective = bootstrapServers == null ? env : new Env(merge(env, vars));
        KafkaConfig config = KafkaConfig.fromEnv(effective);
        effective.validate();
        return new KafkaClients(config, new SimpleMeterRegistry());
    }

    private static Map<String, String> merge(Env env, Map<String, String> overrides) {
        Map<String, String> all = new HashMap<>();
        for (String name : new String[]{"KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_JAAS_CONFIG",
                "KAFKA_SASL_JAAS_CONFIG_FILE"}) {
            env.optional(name).ifPresent(v -> all.put(name, v));
        }
        env.withPrefix("KAFKA_CLIENT_").forEach((k, v) -> all.put("KAFKA_CLIENT_" + k, v));
        all.putAll(overrides);
        return all;
    }
}
