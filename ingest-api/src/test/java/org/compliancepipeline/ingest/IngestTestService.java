package org.compliancepipeline.ingest;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeySecrets;
import org.compliancepipeline.platform.auth.ApiKeys;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.platform.ops.OpsServer;
import org.compliancepipeline.platform.ops.ServiceMetrics;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.Infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The ingest API started in-process against real servers, on a topic of its own and with a keys
 * file of its own (key ids carry a random suffix, so rate-limit buckets and idempotency entries in
 * the shared Redis never collide between runs). Tests post over real HTTP and read back from Kafka.
 *
 * <p>Keys: {@code writer} (org acme, every scope), {@code multi} (acme and globex, records only),
 * {@code revoked}, {@code auditor} (acme and globex, OSCAL only, no framework), {@code limited} (acme, 5 records/s, burst 10).
 */
final class IngestTestService implements AutoCloseable {
    static final String FRAMEWORK = "nist-800-53-r5";

    final String topic;
    final Path keysFile;
    final Map<String, String> secrets = new LinkedHashMap<>();
    final Map<String, String> keyIds = new LinkedHashMap<>();
    final PrometheusMeterRegistry registry;
    final KafkaClients kafka;
    private final KafkaClients readers;
    final IngestApi api;
    final IngestConfig config;
    final OpsServer ops;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final Path dir;
    private final List<ApiKey> keys = new ArrayList<>();

    private IngestTestService(String bootstrap, Map<String, String> environment, String topic, Path dir, Path keysFile) {
        this.topic = topic;
        this.dir = dir;
        this.keysFile = keysFile;
        this.registry = ServiceMetrics.create("ingest-api", "test");
        this.kafka = new KafkaClients(KafkaConfig.local(bootstrap), registry);
        // Test consumers report to a registry of their own: the service's metrics stay the service's.
        this.readers = new KafkaClients(KafkaConfig.local(bootstrap), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        Env env = new Env(environment);
        this.config = IngestConfig.fromEnv(env);
        env.validate();
        this.api = IngestApi.start(config, kafka, registry, Duration.ofSeconds(5));
        try {
            this.ops = OpsServer.start("127.0.0.1", 0, registry);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        api.registerChecks(ops);
        ops.markStarted();
    }

    /** GET on the ops endpoint (/ready, /health, /metrics). */
    HttpResponse<String> ops(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).GET().build());
    }

    /** Starts against the given servers; {@code extraEnv} overrides settings (timeouts, limits). */
    static IngestTestService start(Infra infra, Map<String, String> extraEnv) {
        String topic = "it.ingest." + UUID.randomUUID().toString().substring(0, 8);
        createTopic(infra.kafkaBootstrapServers(), topic);
        try {
            Path dir = Files.createTempDirectory("ingest-it-");
            Path keysFile = dir.resolve("api-keys.json");
            Map<String, String> secrets = new LinkedHashMap<>();
            Map<String, String> ids = new LinkedHashMap<>();
            List<ApiKey> keys = standardKeys(secrets, ids);
            Files.write(keysFile, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(ApiKeys.of(keys).toJson()));
            Map<String, String> env = new HashMap<>(infra.asEnvironment());
            env.put("HTTP_PORT", "0");
            env.put("INGEST_TOPIC", topic);
            env.put("INGEST_API_KEYS_FILE", keysFile.toString());
            env.put("INGEST_API_KEYS_RELOAD", "100ms");
            env.put("INGEST_BROKER_PROBE_INTERVAL", "500ms");
            env.putAll(extraEnv);
            IngestTestService s = new IngestTestService(infra.kafkaBootstrapServers(), env, topic, dir, keysFile);
            s.secrets.putAll(secrets);
            s.keyIds.putAll(ids);
            s.keys.addAll(keys);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void createTopic(String bootstrap, String topic) {
        try (KafkaClients clients = new KafkaClients(KafkaConfig.local(bootstrap), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
             Admin admin = clients.admin("it-admin")) {
            TopicAdmin.ensureTopics(admin, List.of(topicOf(topic, 3)), (short) 1, Duration.ofSeconds(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static Topic<String, ComplianceRecord> topicOf(String name, int partitions) {
        return new Topic<>(name, Topics.RECORDS.keySerde(), Topics.RECORDS.valueSerde(), partitions, Map.of());
    }

    private static List<ApiKey> standardKeys(Map<String, String> secrets, Map<String, String> ids) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<ApiKey> keys = new ArrayList<>();
        keys.add(key("writer", run, List.of("acme"), Set.of(ApiKey.RECORDS_WRITE, ApiKey.OSCAL_WRITE), FRAMEWORK, false,
                new ApiKey.RateLimit(1_000_000, 10_000_000), secrets, ids));
        keys.add(key("multi", run, List.of("acme", "globex"), Set.of(ApiKey.RECORDS_WRITE), null, false,
                new ApiKey.RateLimit(1_000_000, 10_000_000), secrets, ids));
        keys.add(key("revoked", run, List.of("acme"), Set.of(ApiKey.RECORDS_WRITE), null, true, null, secrets, ids));
        keys.add(key("auditor", run, List.of("acme", "globex"), Set.of(ApiKey.OSCAL_WRITE), null, false,
                new ApiKey.RateLimit(1_000_000, 10_000_000), secrets, ids));
        keys.add(key("limited", run, List.of("acme"), Set.of(ApiKey.RECORDS_WRITE), null, false,
                new ApiKey.RateLimit(5, 10), secrets, ids));
        return keys;
    }

    private static ApiKey key(String name, String run, List<String> orgs, Set<String> scopes, String framework, boolean revoked,
                              ApiKey.RateLimit limit, Map<String, String> secrets, Map<String, String> ids) {
        String secret = ApiKeySecrets.newSecret();
        secrets.put(name, secret);
        ids.put(name, name + "-" + run);
        return new ApiKey(name + "-" + run, ApiKeySecrets.sha256(secret), orgs, scopes, framework, revoked, limit, "integration test");
    }

    /** Rewrites the keys file (the service picks it up within its reload interval). */
    void rewriteKeys(java.util.function.UnaryOperator<List<ApiKey>> change) throws IOException {
        List<ApiKey> next = change.apply(new ArrayList<>(keys));
        keys.clear();
        keys.addAll(next);
        Path tmp = dir.resolve("keys.tmp");
        Files.write(tmp, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(ApiKeys.of(next).toJson()));
        Files.move(tmp, keysFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    List<ApiKey> keys() {
        return List.copyOf(keys);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }

    /** POSTs with the named key's secret (null: no Authorization) and extra header pairs. */
    HttpResponse<String> post(String path, String contentType, byte[] body, String keyName, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) b.header("Content-Type", contentType);
        if (keyName != null) b.header("Authorization", "Bearer " + secrets.getOrDefault(keyName, keyName));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b.build());
    }

    HttpResponse<String> postJson(String path, String json, String keyName, String... headers) {
        return post(path, "application/json", json.getBytes(StandardCharsets.UTF_8), keyName, headers);
    }

    HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpClient http() {
        return http;
    }

    /** End offset of every partition of the topic now. */
    Map<TopicPartition, Long> endOffsets() {
        try (KafkaConsumer<String, ComplianceRecord> c = consumer()) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            return new HashMap<>(c.endOffsets(partitions, Duration.ofSeconds(30)));
        }
    }

    /** Records written to the topic since {@code from}, in no particular order across partitions. */
    List<ConsumerRecord<String, ComplianceRecord>> readSince(Map<TopicPartition, Long> from) {
        Map<TopicPartition, Long> end = endOffsets();
        List<ConsumerRecord<String, ComplianceRecord>> out = new ArrayList<>();
        try (KafkaConsumer<String, ComplianceRecord> c = consumer()) {
            c.assign(end.keySet());
            end.keySet().forEach(tp -> c.seek(tp, from.getOrDefault(tp, 0L)));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (end.entrySet().stream().anyMatch(e -> c.position(e.getKey()) < e.getValue()) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    long producedSince(Map<TopicPartition, Long> from) {
        return endOffsets().entrySet().stream().mapToLong(e -> e.getValue() - from.getOrDefault(e.getKey(), 0L)).sum();
    }

    private KafkaConsumer<String, ComplianceRecord> consumer() {
        return readers.consumer("it-reader-" + UUID.randomUUID(), "it-reader-" + UUID.randomUUID(), topicOf(topic, 3), Map.of());
    }

    String metrics() {
        return registry.scrape();
    }

    @Override
    public void close() {
        ops.close();
        api.close();
        kafka.close();
        readers.close();
        // shutdownNow: a test that failed with a request still uploading must not hang in close()
        http.shutdownNow();
        http.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // temp dir left behind
        }
    }

    static String summary(HttpResponse<String> r) {
        return r.statusCode() + " " + r.headers().map().entrySet().stream()
                .filter(e -> !e.getKey().equals(":status")).map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")) + " " + r.body();
    }
}
