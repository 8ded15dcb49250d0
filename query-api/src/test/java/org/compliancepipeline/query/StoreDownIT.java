package org.compliancepipeline.query;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A store that is down costs only the routes that need it: each case points one store at a closed
 * port while the other two are the real servers.
 */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoreDownIT {
    static final String FW = Fixture.FW;
    Fixture fx;
    KafkaClients kafka;
    String closedPort;

    @BeforeAll
    void load(Infra infra) throws Exception {
        fx = new Fixture(infra);
        fx.writeKeys("acme");
        fx.loadOrg("acme", 6, 50.0, true);
        kafka = fx.kafka();
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = String.valueOf(s.getLocalPort());
        }
    }

    @AfterAll
    void close() throws Exception {
        if (kafka != null) kafka.close();
        if (fx != null) fx.close();
    }

    private QueryApi start(QueryConfig c) {
        return QueryApi.start(c, kafka, new SimpleMeterRegistry(), Duration.ofSeconds(1));
    }

    @Test
    void elasticsearchDownFailsOnlySearch() throws Exception {
        QueryConfig c = fx.config();
        c = new QueryConfig(c.httpHost(), 0, c.apiKeysFile(), c.apiKeysReload(), c.defaultRatePerSecond(), c.defaultBurst(), true,
                c.redisUrl(), c.redisPassword(), c.cachePrefix(), c.cacheStream(), c.postgresUrl(), c.postgresUser(), c.postgresPassword(),
                2, List.of("http://127.0.0.1:" + closedPort), c.elasticsearchApiKey(), "", new Secret(""), c.indexPrefix(),
                c.auditTopic(), c.controlsTopic(), c.scoreCacheTtl(), c.maxPageSize(), Duration.ofSeconds(1));
        try (QueryApi api = start(c)) {
            Http http = new Http(api.port());
            String key = fx.secrets.get("acme-analyst");
            var search = http.get("/v1/search?q=firewall", key);
            assertThat(search.status()).as(search.toString()).isEqualTo(503);
            assertThat(search.json().path("store").asText()).isEqualTo("elasticsearch");
            assertThat(search.header("Retry-After")).isNotNull();
            assertThat(http.get("/v1/orgs/acme/frameworks/" + FW + "/score", key).status()).isEqualTo(200);
            assertThat(http.get("/v1/orgs/acme/frameworks/" + FW + "/timeseries", key).status()).isEqualTo(200);
        }
    }

    @Test
    void postgresqlDownFailsOnlyHistory() throws Exception {
        QueryConfig c = fx.config();
        c = new QueryConfig(c.httpHost(), 0, c.apiKeysFile(), c.apiKeysReload(), c.defaultRatePerSecond(), c.defaultBurst(), true,
                c.redisUrl(), c.redisPassword(), c.cachePrefix(), c.cacheStream(),
                "jdbc:postgresql://127.0.0.1:" + closedPort + "/compliance", c.postgresUser(), c.postgresPassword(),
                2, c.elasticsearchUrls(), c.elasticsearchApiKey(), "", new Secret(""), c.indexPrefix(),
                c.auditTopic(), c.controlsTopic(), c.scoreCacheTtl(), c.maxPageSize(), Duration.ofSeconds(1));
        try (QueryApi api = start(c)) {
            Http http = new Http(api.port());
            String key = fx.secrets.get("acme-analyst");
            var series = http.get("/v1/orgs/acme/frameworks/" + FW + "/timeseries", key);
            assertThat(series.status()).as(series.toString()).isEqualTo(503);
            assertThat(series.json().path("store").asText()).isEqualTo("postgresql");
            // Cached in Redis: still answers.
            var score = http.get("/v1/orgs/acme/frameworks/" + FW + "/score", key);
            assertThat(score.status()).isEqualTo(200);
            assertThat(score.json().path("source").asText()).isEqualTo("redis");
            assertThat(http.get("/v1/search?q=firewall", key).status()).isEqualTo(200);
        }
    }

    @Test
    void redisDownFailsTheLeaderboardWhileScoresFallBackToPostgresql() throws Exception {
        QueryConfig c = fx.config();
        c = new QueryConfig(c.httpHost(), 0, c.apiKeysFile(), c.apiKeysReload(), c.defaultRatePerSecond(), c.defaultBurst(), true,
                "redis://127.0.0.1:" + closedPort, c.redisPassword(), c.cachePrefix(), c.cacheStream(), c.postgresUrl(), c.postgresUser(),
                c.postgresPassword(), 2, c.elasticsearchUrls(), c.elasticsearchApiKey(), "", new Secret(""), c.indexPrefix(),
                c.auditTopic(), c.controlsTopic(), c.scoreCacheTtl(), c.maxPageSize(), Duration.ofMillis(500));
        try (QueryApi api = start(c)) {
            Http http = new Http(api.port());
            String key = fx.secrets.get("acme-analyst");
            var board = http.get("/v1/leaderboard/" + FW, key);
            assertThat(board.status()).as(board.toString()).isEqualTo(503);
            assertThat(board.json().path("store").asText()).isEqualTo("redis");
            var score = http.get("/v1/orgs/acme/frameworks/" + FW + "/score", key);
            assertThat(score.status()).as(score.toString()).isEqualTo(200);
            assertThat(score.json().path("source").asText()).isEqualTo("postgresql");
            assertThat(score.json().path("cache").asText()).isEqualTo("bypass");
            assertThat(http.get("/v1/search?q=firewall", key).status()).isEqualTo(200);
        }
    }
}
