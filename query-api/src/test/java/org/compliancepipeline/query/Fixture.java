package org.compliancepipeline.query;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeySecrets;
import org.compliancepipeline.platform.auth.ApiKeys;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.Infra;
import org.flywaydb.core.Flyway;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Data of the test's own in every real store, laid out exactly as the sinks lay it out: a database
 * migrated with sink-timescale's Flyway migrations, an index created from sink-search's template
 * under a prefix of the test's own, Redis keys under a prefix of the test's own, and topics with
 * names of the test's own. Everything is dropped at close.
 */
final class Fixture implements AutoCloseable {
    static final String FW = "nist-800-53-r5";
    static final String[] STATUSES = {"SATISFIED", "NOT_SATISFIED", "PARTIALLY_SATISFIED", "SATISFIED", "NOT_APPLICABLE", "UNKNOWN"};
    static final ObjectMapper JSON = new ObjectMapper();

    final Infra infra;
    final String id = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final String database = "qit_" + id;
    final String dbUrl;
    final String redisPrefix = "qit" + id + ":";
    final String esPrefix = "qit" + id;
    final String controlsTopic = "it.controls." + id;
    final String auditTopic = "it.query-audit." + id;
    final Path dir;
    final Map<String, String> secrets = new LinkedHashMap<>();
    final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final String adminUrl;
    private final HttpClient http = HttpClient.newHttpClient();
    private final RedisClient redisClient;
    final StatefulRedisConnection<String, String> redisConnection;
    final RedisCommands<String, String> redis;

    Fixture(Infra infra) throws Exception {
        this.infra = infra;
        this.adminUrl = infra.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/postgres$1");
        this.dbUrl = infra.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
        try (Connection c = DriverManager.getConnection(adminUrl, infra.postgresUser(), infra.postgresPassword());
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + database);
        }
        Flyway.configure().dataSource(dbUrl, infra.postgresUser(), infra.postgresPassword())
                .locations("classpath:db/migration")
                .placeholders(Map.of("timescaleMode", "off", "chunkInterval", "604800 seconds"))
                .load().migrate();
        String template = resource("elasticsearch/records-template-v1.json")
                .replace("${prefix}", esPrefix).replace("${shards}", "1").replace("${replicas}", "0").replace("${refresh_interval}", "1s");
        es("PUT", "/_index_template/" + esPrefix + "-records-v1", template);
        this.redisClient = RedisClient.create(infra.redisUri());
        this.redisConnection = redisClient.connect();
        this.redis = redisConnection.sync();
        this.dir = Files.createTempDirectory("query-it-");
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            TopicAdmin.ensureTopics(admin, List.of(topic(controlsTopic, Topics.CONTROLS), topic(auditTopic, Topics.QUERY_AUDIT)),
                    (short) 1, Duration.ofSeconds(30));
        }
    }

    private static <K, V> Topic<?, ?> topic(String name, Topic<K, V> like) {
        return new Topic<>(name, like.keySerde(), like.valueSerde(), 1, like.config());
    }

    /** Keys: one per org, one for every org, one without the read scope, one with a tiny rate limit. */
    void writeKeys(String... orgs) throws IOException {
        List<ApiKey> keys = new ArrayList<>();
        for (String org : orgs) keys.add(key(org + "-analyst", List.of(org), Set.of(ApiKey.QUERY_READ), null));
        keys.add(key("auditor", List.of(ApiKey.ANY_ORG), Set.of(ApiKey.QUERY_READ), null));
        keys.add(key("writer", List.of(ApiKey.ANY_ORG), Set.of(ApiKey.RECORDS_WRITE), null));
        keys.add(key("slow", List.of(orgs[0]), Set.of(ApiKey.QUERY_READ), new ApiKey.RateLimit(0.5, 3)));
        keys.add(key("bench", List.of(ApiKey.ANY_ORG), Set.of(ApiKey.QUERY_READ), new ApiKey.RateLimit(1e9, 1e9)));
        Files.write(dir.resolve("keys.json"), JSON.writeValueAsBytes(ApiKeys.of(keys).toJson()));
    }

    private ApiKey key(String keyId, List<String> orgs, Set<String> scopes, ApiKey.RateLimit limit) {
        String secret = ApiKeySecrets.newSecret();
        secrets.put(keyId, secret);
        return new ApiKey(keyId, ApiKeySecrets.sha256(secret), orgs, scopes, null, false, limit, null);
    }

    QueryConfig config() {
        return new QueryConfig("127.0.0.1", 0, dir.resolve("keys.json"), Duration.ofSeconds(1), 1000, 2000, true,
                "redis://" + infra.redisHost() + ":" + infra.redisPort(), new Secret(infra.redisPassword()), redisPrefix, "scores",
                dbUrl, infra.postgresUser(), new Secret(infra.postgresPassword()), 8,
                List.of(infra.elasticsearchUrl()), new Secret(""), "", new Secret(""), esPrefix,
                auditTopic, controlsTopic, Duration.ofMinutes(5), 200, Duration.ofSeconds(2));
    }

    KafkaClients kafka() {
        return new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
    }

    static String control(int i) {
        return "ac-" + (i + 1);
    }

    static String status(String org, int control) {
        return STATUSES[Math.floorMod(org.hashCode() + control, STATUSES.length)];
    }

    static String recordId(String org, int control) {
        return "rec-" + org + "-" + control;
    }

    /** The catalog: {@code controls} controls of the framework, titled "Access control policy N". */
    void loadCatalog(int controls) throws Exception {
        try (var p = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", infra.kafkaBootstrapServers()),
                Topics.CONTROLS.keySerde().serializer(), Topics.CONTROLS.valueSerde().serializer())) {
            for (int i = 0; i < controls; i++) {
                ControlDefinition d = ControlDefinition.newBuilder().setFramework(FW).setControlId(control(i))
                        .setTitle("Access control policy " + (i + 1)).setFamily("ac").setFamilyTitle("Access Control").build();
                p.send(new ProducerRecord<>(controlsTopic, Keys.control(FW, control(i)), d)).get();
            }
        }
    }

    /**
     * For each org: control statuses, score and leaderboard entry in Redis (unless {@code inRedis} is
     * false), the same history in PostgreSQL (statuses, records, scores over the last days, hourly
     * stats), and one searchable document per control in Elasticsearch.
     */
    void loadOrg(String org, int controls, double score, boolean inRedis) throws Exception {
        String tag = "{" + org + "/" + FW + "}";
        StringBuilder bulk = new StringBuilder();
        String index = esPrefix + "-records-" + java.time.format.DateTimeFormatter.ofPattern("yyyy.MM").withZone(java.time.ZoneOffset.UTC).format(now);
        try (Connection c = DriverManager.getConnection(dbUrl, infra.postgresUser(), infra.postgresPassword())) {
            c.setAutoCommit(false);
            try (PreparedStatement rec = c.prepareStatement("INSERT INTO compliance_records (record_id, org_id, framework, control_id, status, "
                    + "observed_at, source, method, title, description, control_title, family, weight, ingested_at, enriched_at) "
                    + "VALUES (?, ?, ?, ?, ?::compliance_status, ?, ?, 'AUTOMATED', ?, ?, ?, 'ac', 1, ?, ?)");
                 PreparedStatement st = c.prepareStatement("INSERT INTO control_status (org_id, framework, control_id, status, observed_at, "
                         + "record_id, family, weight, updated_at) VALUES (?, ?, ?, ?::compliance_status, ?, ?, 'ac', 1, ?)");
                 PreparedStatement sc = c.prepareStatement("INSERT INTO compliance_scores VALUES (?, ?, ?, ?, ?, ?, 1, 2, 3, 4, 5)");
                 PreparedStatement hs = c.prepareStatement("INSERT INTO compliance_stats_hourly (org_id, framework, status, family, "
                         + "window_start, window_end, count) VALUES (?, ?, ?::compliance_status, 'ac', ?, ?, ?)")) {
                for (int i = 0; i < controls; i++) {
                    String status = status(org, i);
                    Instant observed = now.minus(i, ChronoUnit.MINUTES);
                    String title = (status.equals("NOT_SATISFIED") ? "Firewall rule allows unrestricted ingress" : "Password policy enforced")
                            + " on host " + i + " of " + org;
                    String description = "Automated check of " + control(i) + " for " + org + ": " + status.toLowerCase();
                    rec.setString(1, recordId(org, i));
                    rec.setString(2, org);
                    rec.setString(3, FW);
                    rec.setString(4, control(i));
                    rec.setString(5, status);
                    rec.setTimestamp(6, Timestamp.from(observed));
                    rec.setString(7, "scanner-" + (i % 3));
                    rec.setString(8, title);
                    rec.setString(9, description);
                    rec.setString(10, "Access control policy " + (i + 1));
                    rec.setTimestamp(11, Timestamp.from(now));
                    rec.setTimestamp(12, Timestamp.from(now));
                    rec.addBatch();
                    st.setString(1, org);
                    st.setString(2, FW);
                    st.setString(3, control(i));
                    st.setString(4, status);
                    st.setTimestamp(5, Timestamp.from(observed));
                    st.setString(6, recordId(org, i));
                    st.setTimestamp(7, Timestamp.from(now));
                    st.addBatch();
                    if (inRedis) {
                        ObjectNode entry = JSON.createObjectNode().put("status", status).put("observedAt", observed.toString())
                                .put("recordId", recordId(org, i));
                        redis.hset(redisPrefix + tag + ":status", control(i), entry.toString());
                        if (i < 3) {
                            ObjectNode r = JSON.createObjectNode().put("recordId", recordId(org, i)).put("orgId", org).put("framework", FW)
                                    .put("controlId", control(i)).put("status", status).put("observedAt", observed.toString()).put("title", title);
                            redis.set(redisPrefix + "rec:{" + recordId(org, i) + "}", r.toString());
                        }
                    }
                    ObjectNode doc = JSON.createObjectNode().put("recordId", recordId(org, i)).put("orgId", org).put("framework", FW)
                            .put("controlId", control(i)).put("status", status).put("observedAt", observed.toString())
                            .put("source", "scanner-" + (i % 3)).put("method", "AUTOMATED").put("title", title).put("description", description)
                            .put("controlTitle", "Access control policy " + (i + 1)).put("family", "ac").put("weight", 1.0)
                            .put("ingestedAt", now.toString()).put("enrichedAt", now.toString());
                    bulk.append("{\"index\":{\"_index\":\"").append(index).append("\",\"_id\":\"").append(recordId(org, i)).append("\"}}\n")
                            .append(doc).append('\n');
                }
                for (int d = 0; d < 5; d++) {
                    Instant at = now.minus(d, ChronoUnit.DAYS);
                    sc.setString(1, org);
                    sc.setString(2, FW);
                    sc.setTimestamp(3, Timestamp.from(at));
                    sc.setDouble(4, Math.max(0, score - d));
                    sc.setDouble(5, score);
                    sc.setDouble(6, 100);
                    sc.addBatch();
                    Instant window = at.truncatedTo(ChronoUnit.HOURS);
                    for (String s : new String[]{"SATISFIED", "NOT_SATISFIED"}) {
                        hs.setString(1, org);
                        hs.setString(2, FW);
                        hs.setString(3, s);
                        hs.setTimestamp(4, Timestamp.from(window));
                        hs.setTimestamp(5, Timestamp.from(window.plus(1, ChronoUnit.HOURS)));
                        hs.setLong(6, s.equals("SATISFIED") ? 3 : 1);
                        hs.addBatch();
                    }
                }
                rec.executeBatch();
                st.executeBatch();
                sc.executeBatch();
                hs.executeBatch();
            }
            c.commit();
        }
        if (inRedis) {
            redis.hset(redisPrefix + tag + ":score", Map.of("score", String.valueOf(score), "satisfied", String.valueOf(score),
                    "applicable", "100", "updatedAt", now.toString(), "controlsSatisfied", "1", "controlsPartiallySatisfied", "2",
                    "controlsNotSatisfied", "3", "controlsNotApplicable", "4", "controlsUnknown", "5"));
            redis.zadd(redisPrefix + "lb:{" + FW + "}", score, org);
        }
        es("POST", "/_bulk?refresh=true", bulk.toString());
    }

    /** A score change as the cache sink publishes it on the framework's stream. */
    void publishScoreChange(String org, double score) {
        redis.xadd(redisPrefix + "scores:{" + FW + "}", XAddArgs.Builder.maxlen(1000),
                Map.of("event", "update", "orgId", org, "framework", FW, "score", String.valueOf(score), "previous", "0",
                        "updatedAt", Instant.now().toString()));
    }

    String es(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(infra.elasticsearchUrl() + path)).header("Content-Type",
                path.contains("_bulk") ? "application/x-ndjson" : "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300 || r.body().contains("\"errors\":true")) {
            throw new IOException(method + " " + path + " -> " + r.statusCode() + ": " + r.body().substring(0, Math.min(600, r.body().length())));
        }
        return r.body();
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = Fixture.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IOException(name + " not on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            var keys = redis.keys(redisPrefix + "*");
            if (!keys.isEmpty()) redis.del(keys.toArray(String[]::new));
            redisConnection.close();
            redisClient.shutdown();
        } catch (RuntimeException ignored) {
            // best effort
        }
        try {
            es("DELETE", "/" + esPrefix + "-records-*", null);
            es("DELETE", "/_index_template/" + esPrefix + "-records-v1", null);
        } catch (IOException ignored) {
            // best effort
        }
        try (Connection c = DriverManager.getConnection(adminUrl, infra.postgresUser(), infra.postgresPassword());
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            admin.deleteTopics(List.of(controlsTopic, auditTopic)).all().get();
        } catch (Exception ignored) {
            // best effort
        }
    }
}
