package org.compliancepipeline.testkit;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Endpoints of real servers for a test: Kafka, PostgreSQL, Redis and Elasticsearch.
 *
 * @param source where they come from: {@code local} (bin/infra) or {@code testcontainers}
 */
public record Infra(String source,
                    String kafkaBootstrapServers,
                    String postgresUrl, String postgresUser, String postgresPassword,
                    String redisHost, int redisPort, String redisPassword,
                    String elasticsearchUrl) {

    /** {@code redis://[:password@]host:port} for Lettuce. */
    public String redisUri() {
        String auth = redisPassword == null || redisPassword.isEmpty() ? ""
                : ":" + URLEncoder.encode(redisPassword, StandardCharsets.UTF_8) + "@";
        return "redis://" + auth + redisHost + ":" + redisPort;
    }

    /** The endpoints as the services' environment variables, to start a service against them. */
    public Map<String, String> asEnvironment() {
        return Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrapServers,
                "POSTGRES_URL", postgresUrl,
                "POSTGRES_USER", postgresUser,
                "POSTGRES_PASSWORD", postgresPassword == null ? "" : postgresPassword,
                "REDIS_URL", "redis://" + redisHost + ":" + redisPort,
                "REDIS_PASSWORD", redisPassword == null ? "" : redisPassword,
                "ELASTICSEARCH_URL", elasticsearchUrl);
    }

    @Override
    public String toString() {
        return "Infra[" + source + ": kafka=" + kafkaBootstrapServers + ", postgres=" + postgresUrl
                + ", redis=" + redisHost + ":" + redisPort + ", elasticsearch=" + elasticsearchUrl + "]";
    }
}
