package org.compliancepipeline.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.query.http.QueryServer;
import org.compliancepipeline.schemas.QueryAudit;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every route of the query API against the real Redis, PostgreSQL, Elasticsearch and Kafka. */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class QueryApiIT {
    static final String FW = Fixture.FW;
    static final int CONTROLS = 12;

    Fixture fx;
    KafkaClients kafka;
    QueryApi api;
    Http http;
    String acme;
    String globex;
    String auditor;

    @BeforeAll
    void start(Infra infra) throws Exception {
        fx = new Fixture(infra);
        fx.writeKeys("acme", "globex", "initech");
        fx.loadCatalog(CONTROLS);
        fx.loadOrg("acme", CONTROLS, 62.5, true);
        fx.loadOrg("globex", CONTROLS, 41.0, true);
        fx.loadOrg("initech", CONTROLS, 77.0, false); // only in PostgreSQL and Elasticsearch: the cache-aside case
        kafka = fx.kafka();
        api = QueryApi.start(fx.config(), kafka, new SimpleMeterRegistry(), Duration.ofSeconds(2));
        http = new Http(api.port());
        acme = fx.secrets.get("acme-analyst");
        globex = fx.secrets.get("globex-analyst");
        auditor = fx.secrets.get("auditor");
        await().atMost(30, SECONDS).until(() -> api.catalog().caughtUp() && api.catalog().size() == CONTROLS);
    }

    @AfterAll
    void stop() throws Exception {
        if (api != null) api.close();
        if (kafka != null) kafka.close();
        if (fx != null) fx.close();
    }

    @Test
    void scoreComesFromRedisWhenCached() throws Exception {
        var r = http.get("/v1/orgs/acme/frameworks/" + FW + "/score", acme);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("source").asText()).isEqualTo("redis");
        assertThat(r.json().path("cache").asText()).isEqualTo("hit");
        assertThat(r.json().path("score").asDouble()).isEqualTo(62.5);
        assertThat(r.json().path("controls").path("notSatisfied").asInt()).isEqualTo(3);
    }

    @Test
    void aScoreMissingInRedisIsComputedFromPostgresqlAndCachedWithATtl() throws Exception {
        String key = fx.redisPrefix + "{initech/" + FW + "}:score";
        assertThat(fx.redis.exists(key)).isZero();
        var miss = http.get("/v1/orgs/initech/frameworks/" + FW + "/score", fx.secrets.get("initech-analyst"));
        assertThat(miss.status()).as(miss.toString()).isEqualTo(200);
        assertThat(miss.json().path("source").asText()).isEqualTo("postgresql");
        assertThat(miss.json().path("cache").asText()).isEqualTo("miss");
        assertThat(miss.json().path("score").asDouble()).isEqualTo(77.0); // the newest of the five days
        assertThat(fx.redis.pttl(key)).isBetween(1L, Duration.ofMinutes(5).toMillis());
        assertThat(fx.redis.hget(key, "score")).isEqualTo("77");

        var hit = http.get("/v1/orgs/initech/frameworks/" + FW + "/score", fx.secrets.get("initech-analyst"));
        assertThat(hit.json().path("source").asText()).isEqualTo("redis");
        assertThat(hit.json().path("cache").asText()).isEqualTo("hit");
        assertThat(hit.json().path("score").asDouble()).isEqualTo(77.0);
        assertThat(hit.json().path("updatedAt").asText()).isEqualTo(miss.json().path("updatedAt").asText());
    }

    @Test
    void unknownScoreIs404() throws Exception {
        var r = http.get("/v1/orgs/acme/frameworks/iso-27001/score", acme);
        assertThat(r.status()).isEqualTo(404);
    }

    @Test
    void controlsCarryCatalogTitlesAndFilterByStatus() throws Exception {
        var all = http.get("/v1/orgs/acme/frameworks/" + FW + "/controls", acme);
        assertThat(all.status()).as(all.toString()).isEqualTo(200);
        assertThat(all.json().path("source").asText()).isEqualTo("redis");
        assertThat(all.json().path("controls")).hasSize(CONTROLS);
        JsonNode first = all.json().path("controls").get(0);
        assertThat(first.path("controlId").asText()).isEqualTo("ac-1");
        assertThat(first.path("title").asText()).isEqualTo("Access control policy 1");
        assertThat(first.path("familyTitle").asText()).isEqualTo("Access Control");

        var failing = http.get("/v1/orgs/acme/frameworks/" + FW + "/controls?status=NOT_SATISFIED", acme);
        long expected = java.util.stream.IntStream.range(0, CONTROLS).filter(i -> Fixture.status("acme", i).equals("NOT_SATISFIED")).count();
        assertThat(expected).isPositive();
        assertThat(failing.json().path("count").asLong()).isEqualTo(expected);
        failing.json().path("controls").forEach(c -> assertThat(c.path("status").asText()).isEqualTo("NOT_SATISFIED"));

        // Not in Redis: the same answer from PostgreSQL's control_status.
        var pg = http.get("/v1/orgs/initech/frameworks/" + FW + "/controls?status=not_satisfied", fx.secrets.get("initech-analyst"));
        assertThat(pg.json().path("source").asText()).isEqualTo("postgresql");
        assertThat(pg.json().path("controls").get(0).path("title").asText()).startsWith("Access control policy");
        pg.json().path("controls").forEach(c -> assertThat(c.path("status").asText()).isEqualTo("NOT_SATISFIED"));
    }

    @Test
    void timeseriesBucketsScoreAndPassRateInPostgresql() throws Exception {
        var r = http.get("/v1/orgs/acme/frameworks/" + FW + "/timeseries?bucket=1d&from="
                + fx.now.minus(Duration.ofDays(10)) + "&to=" + fx.now.plusSeconds(3600), acme);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("source").asText()).isEqualTo("postgresql");
        assertThat(r.json().path("method").asText()).isEqualTo("date_bin"); // plain PostgreSQL here
        JsonNode points = r.json().path("points");
        assertThat(points).hasSize(5);
        assertThat(points.get(4).path("score").asDouble()).isEqualTo(62.5);
        assertThat(points.get(0).path("score").asDouble()).isEqualTo(58.5);
        points.forEach(p -> assertThat(p.path("passRate").asDouble()).isEqualTo(0.75));

        var hourly = http.get("/v1/orgs/acme/frameworks/" + FW + "/timeseries?bucket=1h&from=" + fx.now.minus(Duration.ofHours(2))
                + "&to=" + fx.now.plusSeconds(3600), acme);
        assertThat(hourly.json().path("points")).hasSize(1);
        assertThat(hourly.json().path("points").get(0).path("records").asLong()).isEqualTo(4);

        // A bucket with counts but no score change of its own carries the last score before it.
        java.time.Instant window = fx.now.minus(Duration.ofHours(12)).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
        try (var c = java.sql.DriverManager.getConnection(fx.dbUrl, fx.infra.postgresUser(), fx.infra.postgresPassword());
             var st = c.createStatement()) {
            st.execute("INSERT INTO compliance_stats_hourly (org_id, framework, status, family, window_start, window_end, count) VALUES "
                    + "('acme', '" + FW + "', 'SATISFIED', 'ac', '" + window + "', '" + window.plusSeconds(3600) + "', 2)");
        }
        var carried = http.get("/v1/orgs/acme/frameworks/" + FW + "/timeseries?bucket=1h&from=" + window + "&to=" + window.plusSeconds(3600), acme);
        assertThat(carried.json().path("points")).hasSize(1);
        assertThat(carried.json().path("points").get(0).path("records").asLong()).isEqualTo(2);
        assertThat(carried.json().path("points").get(0).path("score").asDouble()).isEqualTo(61.5); // yesterday's score, the last before
    }

    @Test
    void recordsComeFromRedisThenPostgresqlAndNeverFromAnotherOrg() throws Exception {
        var cached = http.get("/v1/records/" + Fixture.recordId("acme", 0), acme);
        assertThat(cached.status()).as(cached.toString()).isEqualTo(200);
        assertThat(cached.json().path("source").asText()).isEqualTo("redis");
        assertThat(cached.json().path("record").path("orgId").asText()).isEqualTo("acme");

        var old = http.get("/v1/records/" + Fixture.recordId("acme", 7), acme);
        assertThat(old.json().path("source").asText()).isEqualTo("postgresql");
        assertThat(old.json().path("record").path("controlTitle").asText()).isEqualTo("Access control policy 8");

        assertThat(http.get("/v1/records/" + Fixture.recordId("globex", 0), acme).status()).isEqualTo(404);
        assertThat(http.get("/v1/records/" + Fixture.recordId("globex", 7), acme).status()).isEqualTo(404);
        assertThat(http.get("/v1/records/no-such-record", auditor).status()).isEqualTo(404);
    }

    @Test
    void leaderboardIsWorstFirstAndScoped() throws Exception {
        var all = http.get("/v1/leaderboard/" + FW, auditor);
        assertThat(all.status()).as(all.toString()).isEqualTo(200);
        assertThat(all.json().path("source").asText()).isEqualTo("redis");
        List<String> orgs = new ArrayList<>();
        all.json().path("entries").forEach(e -> orgs.add(e.path("orgId").asText()));
        assertThat(orgs).startsWith("globex", "acme");

        var mine = http.get("/v1/leaderboard/" + FW, acme);
        assertThat(mine.json().path("entries")).hasSize(1);
        assertThat(mine.json().path("entries").get(0).path("orgId").asText()).isEqualTo("acme");
        assertThat(mine.json().path("entries").get(0).path("rank").asInt()).isEqualTo(2);
    }

    @Test
    void searchFindsHighlightsAndFacetsWithinTheKeysOrgsOnly() throws Exception {
        var r = http.get("/v1/search?q=firewall", acme);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("source").asText()).isEqualTo("elasticsearch");
        assertThat(r.json().path("total").asLong()).isPositive();
        for (JsonNode hit : r.json().path("hits")) {
            assertThat(hit.path("record").path("orgId").asText()).isEqualTo("acme");
            assertThat(hit.path("highlight").path("title").get(0).asText()).contains("<mark>Firewall</mark>");
        }
        assertThat(fieldNames(r.json().path("facets").path("orgId"))).containsExactly("acme");
        assertThat(r.json().path("facets").path("status").path("NOT_SATISFIED").asLong()).isEqualTo(r.json().path("total").asLong());

        // The same question from the auditor spans every org, and the facets say so.
        var everyone = http.get("/v1/search?q=firewall", auditor);
        assertThat(fieldNames(everyone.json().path("facets").path("orgId"))).contains("acme", "globex", "initech");

        // Asking for another org's data with a scoped key is refused, not silently emptied.
        var forbidden = http.get("/v1/search?q=firewall&org=globex", acme);
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.json().path("parameter").asText()).isEqualTo("org");

        var filtered = http.get("/v1/search?status=SATISFIED&source=scanner-0&framework=" + FW, globex);
        for (JsonNode hit : filtered.json().path("hits")) {
            assertThat(hit.path("record").path("orgId").asText()).isEqualTo("globex");
            assertThat(hit.path("record").path("status").asText()).isEqualTo("SATISFIED");
            assertThat(hit.path("record").path("source").asText()).isEqualTo("scanner-0");
        }
    }

    @Test
    void searchPagesThroughEverythingWithTheCursor() throws Exception {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        long total = -1;
        int pages = 0;
        do {
            var r = http.get("/v1/search?sort=observedAt&order=asc&size=5" + (cursor == null ? "" : "&cursor=" + cursor), globex);
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            total = r.json().path("total").asLong();
            r.json().path("hits").forEach(h -> assertThat(seen.add(h.path("recordId").asText())).as("no hit twice").isTrue());
            cursor = r.json().path("nextCursor").isNull() ? null : r.json().path("nextCursor").asText();
            pages++;
        } while (cursor != null && pages < 20);
        assertThat(total).isEqualTo(CONTROLS);
        assertThat(seen).hasSize(CONTROLS).allMatch(id -> id.startsWith("rec-globex-"));
    }

    @Test
    void badParametersAre400NamingTheParameter() throws Exception {
        Map<String, String> cases = Map.of(
                "/v1/search?size=abc", "size",
                "/v1/search?status=BROKEN", "status",
                "/v1/search?sort=title", "sort",
                "/v1/search?cursor=garbage", "cursor",
                "/v1/search?colour=red", "colour",
                "/v1/search?from=yesterday", "from",
                "/v1/orgs/acme/frameworks/" + FW + "/timeseries?bucket=2h", "bucket",
                "/v1/orgs/acme/frameworks/" + FW + "/timeseries?from=2026-02-01&to=2026-01-01", "from",
                "/v1/orgs/acme%20corp/frameworks/" + FW + "/score", "org",
                "/v1/leaderboard/" + FW + "?limit=0", "limit");
        for (var c : cases.entrySet()) {
            var r = http.get(c.getKey(), auditor);
            assertThat(r.status()).as(c.getKey() + " -> " + r).isEqualTo(400);
            assertThat(r.json().path("error").asText()).isEqualTo("invalid_parameter");
            assertThat(r.json().path("parameter").asText()).as(c.getKey()).isEqualTo(c.getValue());
            assertThat(r.json().path("message").asText()).startsWith(c.getValue() + ": ");
        }
    }

    @Test
    void keysAreRequiredScopedAndLimitedToTheirOrgs() throws Exception {
        assertThat(http.get("/v1/leaderboard/" + FW, null).status()).isEqualTo(401);
        assertThat(http.get("/v1/leaderboard/" + FW, "cpk_not-a-key").status()).isEqualTo(401);
        var writer = http.get("/v1/leaderboard/" + FW, fx.secrets.get("writer"));
        assertThat(writer.status()).isEqualTo(403);
        assertThat(writer.json().path("error").asText()).isEqualTo("insufficient_scope");
        for (String route : List.of("/score", "/controls", "/timeseries")) {
            var r = http.get("/v1/orgs/globex/frameworks/" + FW + route, acme);
            assertThat(r.status()).as(route).isEqualTo(403);
            assertThat(r.json().path("error").asText()).isEqualTo("org_forbidden");
        }
    }

    @Test
    void eachKeyIsRateLimitedThroughRedis() throws Exception {
        String slow = fx.secrets.get("slow");
        List<Integer> statuses = new ArrayList<>();
        Http.Answer limited = null;
        for (int i = 0; i < 6; i++) {
            var r = http.get("/v1/orgs/acme/frameworks/" + FW + "/score", slow);
            statuses.add(r.status());
            if (r.status() == 429) limited = r;
        }
        assertThat(statuses.subList(0, 3)).containsOnly(200);
        assertThat(statuses).contains(429);
        assertThat(limited.header("Retry-After")).isNotNull();
        assertThat(limited.json().path("error").asText()).isEqualTo("rate_limited");
        assertThat(fx.redis.exists("query:ratelimit:{slow}")).isEqualTo(1);
        // Other keys are not affected.
        assertThat(http.get("/v1/orgs/acme/frameworks/" + FW + "/score", acme).status()).isEqualTo(200);
    }

    @Test
    void everyQueryLeavesAnAuditRecordInKafka() throws Exception {
        String marker = "audit" + System.nanoTime();
        var r = http.get("/v1/search?q=" + marker, acme);
        assertThat(r.status()).isEqualTo(200);
        var refused = http.get("/v1/orgs/globex/frameworks/" + FW + "/score", acme);
        assertThat(refused.status()).isEqualTo(403);
        Map<String, Object> props = KafkaClients.consumerDefaults(kafka.config(), "it-audit-" + marker, "it-audit");
        List<QueryAudit> seen = new ArrayList<>();
        try (KafkaConsumer<String, QueryAudit> c = new KafkaConsumer<>(props, Topics.QUERY_AUDIT.keySerde().deserializer(),
                Topics.QUERY_AUDIT.valueSerde().deserializer())) {
            c.assign(List.of(new TopicPartition(fx.auditTopic, 0)));
            c.seekToBeginning(List.of(new TopicPartition(fx.auditTopic, 0)));
            await().atMost(20, SECONDS).until(() -> {
                for (ConsumerRecord<String, QueryAudit> rec : c.poll(Duration.ofMillis(200))) seen.add(rec.value());
                return seen.stream().anyMatch(a -> marker.equals(a.getParameters().get("q")))
                        && seen.stream().anyMatch(QueryApiIT::refusedScore);
            });
        }
        QueryAudit search = seen.stream().filter(a -> marker.equals(a.getParameters().get("q"))).findFirst().orElseThrow();
        assertThat(search.getKeyId()).isEqualTo("acme-analyst");
        assertThat(search.getRoute()).isEqualTo("GET /v1/search");
        assertThat(search.getStatus()).isEqualTo(200);
        assertThat(search.getSource()).isEqualTo("elasticsearch");
        assertThat(search.getResultCount()).isZero();
        assertThat(search.getOrgScope()).containsExactly("acme");
        QueryAudit forbidden = seen.stream().filter(QueryApiIT::refusedScore).findFirst().orElseThrow();
        assertThat(forbidden.getParameters()).containsEntry("org", "globex").containsEntry("fw", FW);
        assertThat(forbidden.getResultCount()).isZero();
        assertThat(forbidden.getSource()).isNull();
    }

    private static boolean refusedScore(QueryAudit a) {
        return a.getStatus() == 403 && "acme-analyst".equals(a.getKeyId()) && a.getRoute().equals("GET /v1/orgs/{org}/frameworks/{fw}/score");
    }

    @Test
    void liveScoreUpdatesStreamTheKeysOrgsOnly() throws Exception {
        var client = java.net.http.HttpClient.newHttpClient();
        var req = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + api.port() + "/v1/live/scores/" + FW))
                .header("Authorization", "Bearer " + acme).build();
        var response = client.send(req, java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        Thread.sleep(500);
        fx.publishScoreChange("globex", 12.0);
        fx.publishScoreChange("acme", 64.5);
        var lines = response.body().iterator();
        String data = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
                data = line.substring(6);
                break;
            }
        }
        response.body().close();
        assertThat(data).isNotNull();
        JsonNode event = new com.fasterxml.jackson.databind.ObjectMapper().readTree(data);
        assertThat(event.path("orgId").asText()).isEqualTo("acme"); // globex's change came first and was not sent
        assertThat(event.path("score").asText()).isEqualTo("64.5");
    }

    @Test
    void openApiDocumentsEveryRoute() throws Exception {
        var r = http.get("/openapi.json", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("openapi").asText()).startsWith("3.");
        for (String route : QueryServer.ROUTES) {
            String method = route.substring(0, route.indexOf(' ')).toLowerCase();
            String path = route.substring(route.indexOf(' ') + 1);
            assertThat(r.json().path("paths").path(path).has(method)).as(route).isTrue();
        }
        var docs = http.get("/docs", null);
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.response().body()).contains("openapi.json");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
