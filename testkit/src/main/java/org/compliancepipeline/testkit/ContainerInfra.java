package org.compliancepipeline.testkit;

import org.testcontainers.containers.GenericContainer;
import org.testcontainers.elasticsearch.ElasticsearchContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

import java.time.Duration;

/** The same four servers as Testcontainers, for machines with a Docker engine. Started once per JVM. */
final class ContainerInfra {
    private ContainerInfra() { }

    static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
    static final String POSTGRES_IMAGE = "timescale/timescaledb:latest-pg17";
    static final String REDIS_IMAGE = "redis:7.4-alpine";
    static final String ELASTICSEARCH_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:9.5.3";

    static Infra start() {
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
        PostgreSQLContainer postgres = new PostgreSQLContainer(
                DockerImageName.parse(POSTGRES_IMAGE).asCompatibleSubstituteFor("postgres"))
                .withDatabaseName("compliance").withUsername("pipeline").withPassword("pipeline-test");
        GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withExposedPorts(6379).withCommand("redis-server", "--requirepass", "pipeline-test");
        ElasticsearchContainer es = new ElasticsearchContainer(DockerImageName.parse(ELASTICSEARCH_IMAGE))
                .withEnv("xpack.security.enabled", "false")
                .withEnv("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
                .withStartupTimeout(Duration.ofMinutes(3));
        kafka.start();
        postgres.start();
        redis.start();
        es.start();
        return new Infra("testcontainers", kafka.getBootstrapServers(),
                postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword(),
                redis.getHost(), redis.getMappedPort(6379), "pipeline-test",
                "http://" + es.getHttpHostAddress());
    }
}
