package org.compliancepipeline.platform.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a service reaches Kafka.
 *
 * <ul>
 *   <li>{@code KAFKA_BOOTSTRAP_SERVERS} (default {@code 127.0.0.1:9092})</li>
 *   <li>{@code KAFKA_SECURITY_PROTOCOL} (default {@code PLAINTEXT}), {@code KAFKA_SASL_MECHANISM},
 *       {@code KAFKA_SASL_JAAS_CONFIG} (secret; or {@code KAFKA_SASL_JAAS_CONFIG_FILE})</li>
 *   <li>{@code KAFKA_CLIENT_<SETTING>}: any other client setting, e.g.
 *       {@code KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION} becomes {@code ssl.truststore.location}</li>
 * </ul>
 */
public record KafkaConfig(String bootstrapServers, String securityProtocol, String saslMechanism, Secret saslJaasConfig,
                          Map<String, String> clientOverrides) {

    public KafkaConfig {
        clientOverrides = Map.copyOf(clientOverrides);
    }

    public static KafkaConfig local(String bootstrapServers) {
        return new KafkaConfig(bootstrapServers, "PLAINTEXT", null, new Secret(null), Map.of());
    }

    public static KafkaConfig fromEnv(Env env) {
        Map<String, String> overrides = new LinkedHashMap<>();
        env.withPrefix("KAFKA_CLIENT_").forEach((k, v) -> overrides.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v));
        return new KafkaConfig(
                env.string("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                env.string("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
                env.optional("KAFKA_SASL_MECHANISM").orElse(null),
                env.secret("KAFKA_SASL_JAAS_CONFIG", null),
                overrides);
    }

    /** The connection settings every client shares. */
    public Map<String, Object> common() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("security.protocol", securityProtocol);
        if (saslMechanism != null) p.put("sasl.mechanism", saslMechanism);
        if (saslJaasConfig.isPresent()) p.put("sasl.jaas.config", saslJaasConfig.value());
        p.putAll(clientOverrides);
        return p;
    }
}
