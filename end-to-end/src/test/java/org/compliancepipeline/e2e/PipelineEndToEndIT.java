package org.compliancepipeline.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.cli.OrganizationFile;
import org.compliancepipeline.cli.OscalCatalog;
import org.compliancepipeline.ingest.oscal.AssessmentResultsMapper;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.StatusOrder;
import org.compliancepipeline.streams.PipelineTopics;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline, every service its own process (started from its module's {@code target/}),
 * against the real Kafka, PostgreSQL, Elasticsearch and Redis, on topics, a database, an index
 * prefix and a key prefix of this run only:
 * <ol>
 *   <li>50,000 generated records over HTTP (plus 1,000 resent duplicates and 20 invalid records,
 *       which the API rejects to the sender) and the OSCAL assessment-results example: PostgreSQL,
 *       Elasticsearch and Redis then hold exactly one row, document and key per distinct record,
 *       and the scores in PostgreSQL and Redis equal the scores computed here directly from the
 *       input and the catalog;</li>
 *   <li>scale-out: a second instance of each sink joins its consumer group and gets partitions;</li>
 *   <li>a further 50,000 records, and while they flow the first instance of each sink is killed
 *       with SIGKILL: afterwards nothing is lost and nothing is duplicated, and the scores still
 *       equal the direct computation.</li>
 * </ol>
 */
@RealInfra
class PipelineEndToEndIT {
    private static final String FW = "nist-800-53-r5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SINKS = {"sink-timescale", "sink-search", "sink-cache"};
    private static final Map<String, String> MAIN = Map.of(
            "stream-processor", "org.compliancepipeline.streams.StreamProcessorMain",
            "sink-timescale", "org.compliancepipeline.sink.timescale.SinkTimescaleMain",
            "sink-search", "org.compliancepipeline.sink.search.SinkSearchMain",
            "sink-cache", "org.compliancepipeline.sink.cache.SinkCacheMain",
            "ingest-api", "org.compliancepipeline.ingest.IngestApiMain");
    private static final ComplianceStatus[] STATUSES = {ComplianceStatus.SATISFIED, ComplianceStatus.SATISFIED,
            ComplianceStatus.PARTIALLY_SATISFIED, ComplianceStatus.NOT_SATISFIED, ComplianceStatus.NOT_APPLICABLE,
            ComplianceStatus.UNKNOWN};

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final Path root = Path.of(System.getProperty("pipeline.root", "..")).toAbsolutePath().normalize();
    private final Path work = root.resolve("end-to-end/target/e2e-" + run);
    private final List<Service> services = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final PipelineTopics topics = PipelineTopics.prefixed("e2e-" + run + ".");
    private final String indexPrefix = "e2e-" + run;
    private final String keyPrefix = "e2e:" + run + ":";
    private final String database = "e2e_" + run;

    private Infra infra;
    private String postgresUrl;
    private RedisClient redis;
    private KafkaClients kafka;
    private Admin admin;
    private String apiKey;
    private int ingestPort;

    /** Every record the API accepted, by recordId (duplicates resent under the same id are one record). */
    private final Map<String, Sent> accepted = new LinkedHashMap<>();
    private final Map<String, ControlDefinition> catalog = new HashMap<>();
    private List<Organization> orgs;

    record Service(String name, Process process, int opsPort, Path log) { }

    record Sent(String orgId, String controlId, ComplianceStatus status, long observedAt, String recordId) { }

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        this.infra = infra;
        Files.createDirectories(work);
        try (Connection c = DriverManager.getConnection(infra.postgresUrl(), infra.postgresUser(), infra.postgresPassword());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + database);
        }
        postgresUrl = infra.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
        redis = RedisClient.create(infra.redisUri());
        Map<String, String> kafkaEnv = Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        kafka = new KafkaClients(KafkaConfig.fromEnv(new Env(kafkaEnv)), new SimpleMeterRegistry());
        admin = kafka.admin("e2e-" + run);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Service s : services.reversed()) {
            s.process().destroy();
        }
        for (Service s : services) {
            if (!s.process().waitFor(30, TimeUnit.SECONDS)) s.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Set<String> runTopics = admin.listTopics().names().get().stream()
                .filter(t -> t.startsWith("e2e-" + run)).collect(Collectors.toSet());
        admin.deleteTopics(runTopics).all().get(1, TimeUnit.MINUTES);
        admin.close();
        kafka.close();
        try (StatefulRedisConnection<String, String> c = redis.connect()) {
            List<String> keys = new ArrayList<>();
            ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(keyPrefix + "*").limit(1000)).forEachRemaining(keys::add);
            for (int i = 0; i < keys.size(); i += 1000) c.sync().unlink(keys.subList(i, Math.min(keys.size(), i + 1000)).toArray(String[]::new));
        }
        redis.shutdown();
        elasticsearch("DELETE", "/" + indexPrefix + "-*", null);
        elasticsearch("DELETE", "/_index_template/" + indexPrefix + "-*", null);
        try (Connection c = DriverManager.getConnection(infra.postgresUrl(), infra.postgresUser(), infra.postgresPassword());
             Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }

    @Test
    void everyRecordReachesEveryStoreExactlyOnceThroughAScaleOutAndAKill() throws Exception {
        loadReferenceData();
        start("stream-processor", 1);
        for (String sink : SINKS) start(sink, 1);
        apiKey = createApiKey();
        start("ingest-api", 1);

        // 1. 50,000 records (with 1,000 resent duplicates and 20 invalid ones) and the OSCAL example.
        Random random = new Random(20261203);
        post(generate(random, 50_000, 0), 8, 1_000);
        postOscal();
        int firstPhase = accepted.size();
        assertThat(firstPhase).isEqualTo(50_000 + oscalFindings());
        awaitStores(firstPhase, Duration.ofMinutes(4));
        assertScores();

        // 2. Scale out: a second instance of each sink joins its group and takes partitions.
        for (String sink : SINKS) start(sink, 2);
        for (String sink : SINKS) awaitMembers(group(sink), 2, Duration.ofMinutes(2));

        // 3. A further 50,000 records; the first instance of each sink is killed with SIGKILL meanwhile.
        List<ObjectNode> more = generate(random, 50_000, 50_000);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> post(more, 2, 500));
        long before = count("SELECT count(*) FROM compliance_records");
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> count("SELECT count(*) FROM compliance_records") >= before + 5_000);
        for (String sink : SINKS) kill(sink, 1);
        sending.get(5, TimeUnit.MINUTES);
        awaitStores(accepted.size(), Duration.ofMinutes(4));
        assertThat(accepted.size()).isEqualTo(firstPhase + 50_000);
        assertScores();
        for (String sink : SINKS) {
            awaitMembers(group(sink), 1, Duration.ofMinutes(1));
            assertThat(alive(sink, 2)).as(sink + " #2 took over and is still running").isTrue();
        }
    }

    // ---------------------------------------------------------------- reference data and services

    private void loadReferenceData() throws Exception {
        TopicAdmin.ensureTopics(admin, List.of(topics.controls(), topics.orgs()), (short) 1, Duration.ofMinutes(1));
        Path catalogFile = root.resolve("reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json");
        OscalCatalog.Result read = OscalCatalog.read(catalogFile, new OscalCatalog.Options(FW, List.of("MODERATE"), 1.0, 0.5));
        orgs = OrganizationFile.read(root.resolve("reference-data/orgs/sample-orgs.json")).organizations().stream()
                .filter(o -> o.getFrameworks().contains(FW)).toList();
        assertThat(orgs).hasSizeGreaterThanOrEqualTo(3);
        try (KafkaProducer<String, ControlDefinition> p = kafka.producer("e2e-controls", topics.controls());
             KafkaProducer<String, Organization> o = kafka.producer("e2e-orgs", topics.orgs())) {
            for (ControlDefinition c : read.controls()) {
                catalog.put(c.getControlId(), c);
                p.send(new ProducerRecord<>(topics.controls().name(), Keys.control(FW, c.getControlId()), c)).get();
            }
            for (Organization org : orgs) o.send(new ProducerRecord<>(topics.orgs().name(), org.getOrgId(), org)).get();
        }
    }

    private Map<String, String> environment(String name, int instance) throws IOException {
        Map<String, String> env = new HashMap<>(infra.asEnvironment());
        env.putAll(topics.asEnvironment());
        env.put("POSTGRES_URL", postgresUrl);
        env.put("INGEST_TOPIC", topics.records().name());
        env.put("TOPIC_QUERY_AUDIT", "none");
        env.put("PIPELINE_HOME", work.toString());
        env.put("APPLICATION_ID", "e2e-" + run + "-streams");
        env.put("STATE_DIR", work.resolve("state-" + instance).toString());
        env.put("ELASTICSEARCH_INDEX_PREFIX", indexPrefix);
        env.put("CACHE_KEY_PREFIX", keyPrefix);
        env.put("SINK_GROUP_ID", group(name));
        // A killed consumer's partitions move after the session timeout: keep it short here.
        env.put("KAFKA_CLIENT_SESSION_TIMEOUT_MS", "6000");
        env.put("KAFKA_CLIENT_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("OPS_PORT", String.valueOf(freePort()));
        if (name.equals("ingest-api")) {
            ingestPort = freePort();
            env.put("HTTP_PORT", String.valueOf(ingestPort));
            env.put("INGEST_API_KEYS_FILE", work.resolve("api-keys.json").toString());
        }
        return env;
    }

    private void start(String name, int instance) throws Exception {
        Path module = root.resolve(name);
        String classpath = module.resolve("target/classes") + File.pathSeparator
                + Files.readString(module.resolve("target/classpath.txt")).trim();
        Path log = work.resolve(name + "-" + instance + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "--enable-native-access=ALL-UNNAMED", "-cp", classpath, MAIN.get(name))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = environment(name, instance);
        pb.environment().putAll(env);
        Service s = new Service(name + "#" + instance, pb.start(), Integer.parseInt(env.get("OPS_PORT")), log);
        services.add(s);
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!s.process().isAlive()) {
                throw new AssertionError(s.name() + " exited with " + s.process().exitValue() + "; log: " + tail(log));
            }
            return ready(s.opsPort());
        });
        if (name.equals("ingest-api")) {           // ready can precede the HTTP listener by a moment
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> answers(ingestPort, "/openapi.json"));
        }
    }

    private boolean answers(int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void kill(String name, int instance) {
        Service s = service(name, instance);
        s.process().destroyForcibly();                       // SIGKILL
    }

    private boolean alive(String name, int instance) {
        return service(name, instance).process().isAlive();
    }

    private Service service(String name, int instance) {
        return services.stream().filter(s -> s.name().equals(name + "#" + instance)).findFirst().orElseThrow();
    }

    private String group(String sink) {
        return "e2e-" + run + "-" + sink;
    }

    private boolean ready(int opsPort) {
        return answers(opsPort, "/ready");
    }

    private String createApiKey() throws Exception {
        Path module = root.resolve("ingest-api");
        String classpath = module.resolve("target/classes") + File.pathSeparator
                + Files.readString(module.resolve("target/classpath.txt")).trim();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classpath, "org.compliancepipeline.ingest.auth.ApiKeyTool", "create",
                "--file", work.resolve("api-keys.json").toString(), "--id", "e2e", "--org", "*",
                "--scope", "records:write", "--scope", "oscal:write", "--framework", FW,
                "--rate", "1000000", "--burst", "1000000", "--description", "end-to-end test"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String secret = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor()).as("ApiKeyTool exit code").isZero();
        assertThat(secret).isNotBlank();
        return secret;
    }

    // ---------------------------------------------------------------- input

    /**
     * Records of the NIST orgs over the moderate baseline's controls, Zipf-like skew across orgs,
     * observedAt spread over the last 10 days in any order (so later posts are often older than the
     * status they meet), plus 2% resent duplicates and 20 invalid records.
     */
    private List<ObjectNode> generate(Random random, int count, int offset) {
        List<String> controls = catalog.keySet().stream().sorted().toList();
        long now = Instant.now().toEpochMilli();
        List<ObjectNode> out = new ArrayList<>(count + count / 50 + 20);
        for (int i = 0; i < count; i++) {
            String org = orgs.get((int) Math.min(orgs.size() - 1, Math.floor(orgs.size() * Math.pow(random.nextDouble(), 2))))
                    .getOrgId();
            ObjectNode r = JSON.createObjectNode()
                    .put("recordId", "e2e-" + run + "-" + (offset + i)).put("orgId", org).put("framework", FW)
                    .put("controlId", controls.get(random.nextInt(controls.size())))
                    .put("status", STATUSES[random.nextInt(STATUSES.length)].name())
                    .put("observedAt", Instant.ofEpochMilli(now - random.nextLong(10 * 86_400_000L)).toString())
                    .put("source", "e2e-scanner-" + random.nextInt(4)).put("method", "AUTOMATED")
                    .put("title", "Assessment " + (offset + i)).put("description", "Generated by the end-to-end test");
            out.add(r);
            if (i % 50 == 0) out.add(r.deepCopy());                          // resent: the same recordId again
        }
        for (int i = 0; i < 20; i++) {                                       // rejected by the API, never stored
            out.add(JSON.createObjectNode().put("recordId", "e2e-" + run + "-bad-" + offset + "-" + i).put("orgId", orgs.getFirst().getOrgId())
                    .put("framework", FW).put("controlId", "ac-2").put("status", "MAYBE")
                    .put("observedAt", Instant.ofEpochMilli(now).toString()).put("source", "e2e").put("method", "AUTOMATED")
                    .put("title", "invalid"));
        }
        java.util.Collections.shuffle(out, random);
        return out;
    }

    /** Posts in batches with {@code clients} concurrent clients; every record must be accepted or (the invalid ones) rejected. */
    private void post(List<ObjectNode> records, int clients, int batchSize) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger rejected = new AtomicInteger();
        List<CompletableFuture<Void>> posts = new ArrayList<>();
        for (int from = 0; from < records.size(); from += batchSize) {
            List<ObjectNode> batch = records.subList(from, Math.min(records.size(), from + batchSize));
            posts.add(CompletableFuture.runAsync(() -> {
                ArrayNode body = JSON.createArrayNode().addAll(batch);
                JsonNode response = postJson("/v1/records:batch", body.toString());
                JsonNode results = response.path("results");
                assertThat(results.size()).as("one result per record").isEqualTo(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    JsonNode result = results.get(i);
                    ObjectNode r = batch.get(i);
                    if ("accepted".equals(result.path("status").asText())) {
                        synchronized (accepted) {
                            accepted.putIfAbsent(r.get("recordId").asText(), sent(r));
                        }
                    } else {
                        assertThat(r.get("status").asText()).as("only the invalid records are rejected: " + result).isEqualTo("MAYBE");
                        assertThat(result.toString()).contains("status");
                        rejected.incrementAndGet();
                    }
                }
            }, pool));
        }
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
        pool.shutdown();
        assertThat(rejected.get()).as("the invalid records, each rejected to the sender").isEqualTo(20);
    }

    private JsonNode postJson(String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingestPort + path))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(202);
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Sent sent(JsonNode r) {
        return new Sent(r.get("orgId").asText(), r.get("controlId").asText(), ComplianceStatus.valueOf(r.get("status").asText()),
                Instant.parse(r.get("observedAt").asText()).toEpochMilli(), r.get("recordId").asText());
    }

    private JsonNode oscalDocument() throws IOException {
        return JSON.readTree(root.resolve("ingest-api/src/test/resources/oscal/ifa_assessment-results-example.json").toFile());
    }

    private int oscalFindings() throws IOException {
        return ((AssessmentResultsMapper.Mapping.Mapped) AssessmentResultsMapper.map(oscalDocument(), oscalOrg(), FW, "e2e-oscal"))
                .findings().size();
    }

    private String oscalOrg() {
        return orgs.getFirst().getOrgId();
    }

    /** The OSCAL example for the first org; what the API accepted is what the mapper makes of the document. */
    private void postOscal() throws IOException {
        JsonNode response = postJson("/v1/oscal/assessment-results?org=" + oscalOrg() + "&framework=" + FW + "&source=e2e-oscal",
                oscalDocument().toString());
        var mapped = (AssessmentResultsMapper.Mapping.Mapped) AssessmentResultsMapper.map(oscalDocument(), oscalOrg(), FW, "e2e-oscal");
        assertThat(mapped.findings()).isNotEmpty();
        Map<String, JsonNode> byId = new HashMap<>();
        mapped.findings().forEach(f -> byId.put(f.record().get("recordId").asText(), f.record()));
        for (JsonNode result : response.path("results")) {
            assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("accepted");
            JsonNode record = byId.get(result.path("recordId").asText());
            assertThat(record).as("the API's recordId is the mapper's: " + result).isNotNull();
            accepted.putIfAbsent(record.get("recordId").asText(), sent(record));
        }
        assertThat(response.path("results").size()).isEqualTo(mapped.findings().size());
    }

    // ---------------------------------------------------------------- the stores

    private void awaitStores(int expected, Duration atMost) throws Exception {
        await().atMost(atMost).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(count("SELECT count(*) FROM compliance_records")).as("PostgreSQL rows").isEqualTo(expected);
            assertThat(elasticsearchCount()).as("Elasticsearch documents").isEqualTo(expected);
            assertThat(redisRecordKeys()).as("Redis record keys").isEqualTo(expected);
        });
        // Distinct and exactly the accepted ids, in every store.
        assertThat(count("SELECT count(DISTINCT record_id) FROM compliance_records")).isEqualTo(expected);
    }

    /** Latest status per control by the shared order, weighted by the catalog, scored by the documented rule. */
    private Map<String, double[]> expectedScores() {
        Map<String, Sent> latest = new HashMap<>();
        synchronized (accepted) {
            for (Sent s : accepted.values()) {
                latest.merge(s.orgId() + "/" + s.controlId(), s, (a, b) ->
                        StatusOrder.compare(a.observedAt(), a.status(), a.recordId(), b.observedAt(), b.status(), b.recordId()) >= 0 ? a : b);
            }
        }
        Map<String, double[]> totals = new TreeMap<>();           // org -> {satisfied weight, applicable weight}
        for (Sent s : latest.values()) {
            ControlDefinition c = catalog.get(s.controlId());
            double w = c == null ? 0 : c.getWeight();
            double[] t = totals.computeIfAbsent(s.orgId(), k -> new double[2]);
            switch (s.status()) {
                case SATISFIED -> { t[0] += w; t[1] += w; }
                case PARTIALLY_SATISFIED -> { t[0] += w / 2; t[1] += w; }
                case NOT_SATISFIED, UNKNOWN -> t[1] += w;
                case NOT_APPLICABLE -> { }
            }
        }
        return totals;
    }

    private void assertScores() {
        Map<String, double[]> expected = expectedScores();
        assertThat(expected).isNotEmpty();
        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            try (StatefulRedisConnection<String, String> c = redis.connect();
                 Connection pg = DriverManager.getConnection(postgresUrl, infra.postgresUser(), infra.postgresPassword())) {
                RedisCommands<String, String> r = c.sync();
                for (var e : expected.entrySet()) {
                    double satisfied = e.getValue()[0], applicable = e.getValue()[1];
                    double score = applicable == 0 ? 0 : 100 * satisfied / applicable;
                    Map<String, String> cached = r.hgetall(keyPrefix + "{" + e.getKey() + "/" + FW + "}:score");
                    assertThat(cached).as("Redis score of " + e.getKey()).containsKeys("score", "satisfied", "applicable");
                    assertThat(Double.parseDouble(cached.get("applicable"))).as("Redis applicable of " + e.getKey()).isCloseTo(applicable, within(1e-6));
                    assertThat(Double.parseDouble(cached.get("satisfied"))).as("Redis satisfied of " + e.getKey()).isCloseTo(satisfied, within(1e-6));
                    assertThat(Double.parseDouble(cached.get("score"))).as("Redis score of " + e.getKey()).isCloseTo(score, within(1e-6));
                    try (var q = pg.prepareStatement("SELECT score, satisfied_weight, applicable_weight FROM compliance_scores"
                            + " WHERE org_id = ? AND framework = ? ORDER BY updated_at DESC LIMIT 1")) {
                        q.setString(1, e.getKey());
                        q.setString(2, FW);
                        try (ResultSet rs = q.executeQuery()) {
                            assertThat(rs.next()).as("PostgreSQL score of " + e.getKey()).isTrue();
                            assertThat(rs.getDouble(1)).as("PostgreSQL score of " + e.getKey()).isCloseTo(score, within(1e-6));
                            assertThat(rs.getDouble(2)).isCloseTo(satisfied, within(1e-6));
                            assertThat(rs.getDouble(3)).isCloseTo(applicable, within(1e-6));
                        }
                    }
                }
            }
        });
    }

    private long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgresUrl, infra.postgresUser(), infra.postgresPassword());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long elasticsearchCount() throws Exception {
        elasticsearch("POST", "/" + indexPrefix + "-records/_refresh", null);
        JsonNode r = JSON.readTree(elasticsearch("GET", "/" + indexPrefix + "-records/_count", null));
        return r.path("count").asLong(-1);
    }

    private String elasticsearch(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(infra.elasticsearchUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private long redisRecordKeys() {
        try (StatefulRedisConnection<String, String> c = redis.connect()) {
            long n = 0;
            ScanIterator<String> it = ScanIterator.scan(c.sync(), ScanArgs.Builder.matches(keyPrefix + "rec:*").limit(5000));
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return n;
        }
    }

    // ---------------------------------------------------------------- consumer groups

    private void awaitMembers(String group, int members, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            assertThat(d.members()).as(group + " members").hasSize(members);
            for (MemberDescription m : d.members()) {
                assertThat(m.assignment().topicPartitions()).as(group + ": every member owns partitions").isNotEmpty();
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
