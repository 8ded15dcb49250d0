package org.compliancepipeline.ingest.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.compliancepipeline.ingest.IngestApi;
import org.compliancepipeline.ingest.IngestConfig;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeySecrets;
import org.compliancepipeline.platform.auth.ApiKeys;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Throughput and latency of the HTTP write path, against Kafka's own producer in the same run.
 *
 * <ol>
 *   <li>The ingest API runs in this JVM against the local servers, on a fresh 12-partition topic,
 *       with its production producer settings (idempotent, acks=all, linger 5 ms, 64 KiB batches, lz4).</li>
 *   <li>Maximum rate: {@code --clients} HTTP clients post realistic records (no recordId: the API
 *       assigns UUIDv7s) in batches of {@code --batch} as fast as they are answered, for {@code --seconds}.</li>
 *   <li>Kafka's {@code ProducerPerformance}, as its own JVM from the broker's classpath, with the
 *       records' mean Avro size and the same producer settings, on another fresh topic: the raw limit.</li>
 *   <li>Half load: batches sent on a fixed schedule at half the measured maximum (open loop: latency
 *       counts from the scheduled send time, so a slow answer cannot hide the queueing it causes).</li>
 * </ol>
 * Writes {@code bench/results/ingest.json}. Options: {@code --seconds 30 --warmup 10 --clients 8 --batch 500
 * --pp-records 0 (0: as many as the HTTP phase wrote, at least 200,000)}.
 */
public final class IngestBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PP_SUMMARY = Pattern.compile("(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), "
            + "([\\d.]+) ms avg latency, ([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th");
    private static final Pattern ACCEPTED = Pattern.compile("\"accepted\":(\\d+)");

    private final int seconds;
    private final int warmup;
    private final int clients;
    private final int batch;
    private final long ppRecords;

    private IngestBenchmark(Map<String, String> options) {
        this.seconds = Integer.parseInt(options.getOrDefault("seconds", "30"));
        this.warmup = Integer.parseInt(options.getOrDefault("warmup", "10"));
        this.clients = Integer.parseInt(options.getOrDefault("clients", "8"));
        this.batch = Integer.parseInt(options.getOrDefault("batch", "500"));
        this.ppRecords = Long.parseLong(options.getOrDefault("pp-records", "0"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        new IngestBenchmark(options).run();
        System.exit(0);
    }

    /** One phase's counts. */
    private record Phase(long records, long requests, long failures, double seconds, Histogram latencyMicros) {
        double rate() { return records / seconds; }
    }

    private void run() throws Exception {
        Infra infra = RealInfraExtension.infra();
        String run = Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14);
        String httpTopic = "bench.ingest.http." + run;
        String rawTopic = "bench.ingest.raw." + run;
        Path dir = Files.createTempDirectory("ingest-bench-");
        String secret = ApiKeySecrets.newSecret();
        ApiKey key = new ApiKey("bench-" + run, ApiKeySecrets.sha256(secret), List.of("*"), Set.of(ApiKey.RECORDS_WRITE), null, false,
                new ApiKey.RateLimit(1e9, 1e9), "benchmark");
        Files.write(dir.resolve("keys.json"), JSON.writeValueAsBytes(ApiKeys.of(List.of(key)).toJson()));

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaClients kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), registry);
             Admin admin = kafka.admin("bench-admin")) {
            TopicAdmin.ensureTopics(admin, List.of(topic(httpTopic), topic(rawTopic)), (short) 1, Duration.ofSeconds(60));
            Map<String, String> env = new HashMap<>(infra.asEnvironment());
            env.put("HTTP_PORT", "0");
            env.put("INGEST_TOPIC", httpTopic);
            env.put("INGEST_API_KEYS_FILE", dir.resolve("keys.json").toString());
            Env e = new Env(env);
            IngestConfig config = IngestConfig.fromEnv(e);
            e.validate();
            try (IngestApi api = IngestApi.start(config, kafka, registry, Duration.ofSeconds(10))) {
                URI uri = URI.create("http://127.0.0.1:" + api.port() + "/v1/records:batch");
                List<byte[]> bodies = bodies(64);
                double avroSize = meanAvroSize();
                double jsonSize = bodies.stream().mapToLong(b -> b.length).average().orElse(0) / batch;
                System.out.printf("records: %.0f bytes JSON, %.0f bytes Avro (mean); %d clients, batches of %d%n", jsonSize, avroSize, clients, batch);

                try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                    System.out.printf("warm-up %d s%n", warmup);
                    closedLoop(http, uri, secret, bodies, warmup);
                    System.out.printf("maximum rate, %d s%n", seconds);
                    Phase max = closedLoop(http, uri, secret, bodies, seconds);
                    System.out.printf("  %.0f records/s, %.0f requests/s, p50 %.1f ms, p99 %.1f ms, failures %d%n", max.rate(),
                            max.requests() / max.seconds(), max.latencyMicros().getValueAtPercentile(50) / 1000.0,
                            max.latencyMicros().getValueAtPercentile(99) / 1000.0, max.failures());

                    long ppCount = ppRecords > 0 ? ppRecords : Math.max(200_000, max.records());
                    System.out.printf("ProducerPerformance: %d records of %d bytes%n", ppCount, Math.round(avroSize));
                    ProducerPerformanceResult raw = producerPerformance(infra.kafkaBootstrapServers(), rawTopic, ppCount, (int) Math.round(avroSize));
                    System.out.printf("  %s%n", raw.summary());

                    double halfRate = max.rate() / 2;
                    System.out.printf("half load: %.0f records/s for %d s%n", halfRate, seconds);
                    Phase half = openLoop(http, uri, secret, bodies, halfRate, seconds);
                    System.out.printf("  achieved %.0f records/s, p50 %.1f ms, p99 %.1f ms, failures %d%n", half.rate(),
                            half.latencyMicros().getValueAtPercentile(50) / 1000.0, half.latencyMicros().getValueAtPercentile(99) / 1000.0,
                            half.failures());

                    BenchReport report = new BenchReport("ingest", System.getProperty("pipeline.bench.command", "bin/bench ingest"))
                            .rate(max.rate(), "records/s")
                            .limitRate(raw.recordsPerSecond())
                            .latencyMicros("", half.latencyMicros())
                            .figure("batch_size", batch)
                            .figure("clients", clients)
                            .figure("record_size_bytes", (double) Math.round(avroSize))
                            .figure("json_record_bytes", (double) Math.round(jsonSize))
                            .figure("phase_seconds", seconds)
                            .figure("max_requests_per_s", max.requests() / max.seconds())
                            .figure("max_latency_ms", Map.of("p50", max.latencyMicros().getValueAtPercentile(50) / 1000.0,
                                    "p99", max.latencyMicros().getValueAtPercentile(99) / 1000.0))
                            .figure("max_failures", max.failures())
                            .figure("half_load_target_rate", halfRate)
                            .figure("half_load_rate", half.rate())
                            .figure("half_load_failures", half.failures())
                            .figure("producer_performance", raw.summary())
                            .figure("producer_settings", "acks=all enable.idempotence=true linger.ms=5 batch.size=65536 compression.type=lz4")
                            .figure("topic_partitions", Topics.RECORDS.partitions())
                            .figure("note", "ingest API in the benchmark's JVM, clients over loopback HTTP/1.1; ProducerPerformance sends "
                                    + "random payloads of the records' mean Avro size");
                    report.write();
                }
            } finally {
                admin.deleteTopics(List.of(httpTopic, rawTopic)).all().get(60, TimeUnit.SECONDS);
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static Topic<String, ?> topic(String name) {
        return new Topic<>(name, Topics.RECORDS.keySerde(), Topics.RECORDS.valueSerde(), Topics.RECORDS.partitions(), Map.of());
    }

    /** Closed loop: each client sends its next batch when the previous one is answered. */
    private Phase closedLoop(HttpClient http, URI uri, String secret, List<byte[]> bodies, int durationSeconds) throws Exception {
        AtomicLong records = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        Histogram latency = new Histogram(60_000_000L, 3);
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(durationSeconds);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                pool.submit(() -> {
                    Histogram mine = new Histogram(60_000_000L, 3);
                    for (int i = client; System.nanoTime() < end; i += clients) {
                        long t0 = System.nanoTime();
                        long accepted = post(http, uri, secret, bodies.get(i % bodies.size()));
                        mine.recordValue(Math.min(60_000_000L, (System.nanoTime() - t0) / 1000));
                        requests.incrementAndGet();
                        if (accepted < 0) failures.incrementAndGet();
                        else records.addAndGet(accepted);
                    }
                    synchronized (latency) {
                        latency.add(mine);
                    }
                    return null;
                });
            }
        }
        return new Phase(records.get(), requests.get(), failures.get(), (System.nanoTime() - start) / 1e9, latency);
    }

    /** Open loop: batches start on a fixed schedule whatever the answers do; latency from the scheduled start. */
    private Phase openLoop(HttpClient http, URI uri, String secret, List<byte[]> bodies, double recordsPerSecond, int durationSeconds)
            throws Exception {
        AtomicLong records = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        Histogram latency = new Histogram(60_000_000L, 3);
        long intervalNanos = (long) (1e9 * batch / recordsPerSecond);
        long start = System.nanoTime();
        long count = (long) (TimeUnit.SECONDS.toNanos(durationSeconds) / (double) intervalNanos);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < count; i++) {
                long scheduled = start + i * intervalNanos;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                byte[] body = bodies.get((int) (i % bodies.size()));
                pool.submit(() -> {
                    long accepted = post(http, uri, secret, body);
                    long micros = Math.min(60_000_000L, (System.nanoTime() - scheduled) / 1000);
                    synchronized (latency) {
                        latency.recordValue(micros);
                    }
                    requests.incrementAndGet();
                    if (accepted < 0) failures.incrementAndGet();
                    else records.addAndGet(accepted);
                });
            }
        }
        return new Phase(records.get(), requests.get(), failures.get(), (System.nanoTime() - start) / 1e9, latency);
    }

    /** @return records accepted, or -1 when the request failed */
    private static long post(HttpClient http, URI uri, String secret, byte[] body) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 202) return -1;
            Matcher m = ACCEPTED.matcher(r.body());
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Request bodies of realistic records: controls, statuses, hosts, English and Arabic text. */
    private List<byte[]> bodies(int count) {
        Random random = new Random(42);
        List<byte[]> bodies = new ArrayList<>();
        for (int b = 0; b < count; b++) {
            StringBuilder s = new StringBuilder(batch * 700).append('[');
            for (int i = 0; i < batch; i++) {
                if (i > 0) s.append(',');
                s.append(record(random, b * batch + i));
            }
            bodies.add(s.append(']').toString().getBytes(StandardCharsets.UTF_8));
        }
        return bodies;
    }

    private static final String[] STATUSES = {"SATISFIED", "SATISFIED", "SATISFIED", "NOT_SATISFIED", "PARTIALLY_SATISFIED", "NOT_APPLICABLE"};
    private static final String[] METHODS = {"AUTOMATED", "AUTOMATED", "TEST", "EXAMINE", "INTERVIEW"};
    private static final String[] FAMILIES = {"ac", "au", "cm", "ia", "sc", "si", "ra", "ca"};

    static ObjectNode record(Random random, int i) {
        ObjectNode o = JSON.createObjectNode();
        String control = FAMILIES[random.nextInt(FAMILIES.length)] + "-" + (1 + random.nextInt(20)) + (random.nextBoolean() ? "." + (1 + random.nextInt(9)) : "");
        o.put("orgId", "org-" + random.nextInt(200));
        o.put("framework", random.nextInt(4) == 0 ? "nca-ecc-2" : "nist-800-53-r5");
        o.put("controlId", control);
        o.put("objectiveId", control + "_obj");
        o.put("status", STATUSES[random.nextInt(STATUSES.length)]);
        if (random.nextBoolean()) o.put("score", Math.round(random.nextDouble() * 1000) / 10.0);
        o.put("observedAt", Instant.parse("2026-11-20T00:00:00Z").plusSeconds(i).toString());
        o.put("source", "scanner-" + random.nextInt(12));
        o.put("method", METHODS[random.nextInt(METHODS.length)]);
        o.put("subject", "host-" + random.nextInt(5000) + ".prod.example.internal");
        o.put("title", "Control " + control + " check on host " + random.nextInt(5000));
        o.put("description", random.nextInt(3) == 0
                ? "تم اكتشاف أن دور مهندس النظام يسمح بإجراءات عالية الخطورة على سجلات التدقيق " + i
                : "Automated check found the role permits high-risk actions on audit logs and security monitoring configuration (" + i + ")");
        o.putArray("evidenceUris").add("https://evidence.example.internal/runs/" + (i / 100) + "/items/" + i);
        o.putObject("tags").put("env", random.nextBoolean() ? "prod" : "staging").put("region", "riyadh").put("team", "team-" + random.nextInt(10));
        return o;
    }

    private double meanAvroSize() {
        Random random = new Random(7);
        long total = 0;
        int n = 2_000;
        for (int i = 0; i < n; i++) {
            ObjectNode o = record(random, i);
            var r = ComplianceRecordJson.fromJson(o, () -> UUID.randomUUID().toString()).orElseThrow();
            total += Topics.RECORDS.valueSerde().serializer().serialize("t", r).length;
        }
        return total / (double) n;
    }

    private record ProducerPerformanceResult(double recordsPerSecond, String summary) { }

    /** Kafka's own ProducerPerformance in a JVM of its own, from the broker's classpath (kafka-tools). */
    private static ProducerPerformanceResult producerPerformance(String bootstrap, String topic, long records, int recordSize) throws Exception {
        Path root = Path.of(System.getProperty("pipeline.root", "."));
        String classpath = Files.readString(root.resolve("infra/kafka-broker/target/classpath.txt")).strip();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = List.of(java, "-Xms512m", "-Xmx1g", "-cp", classpath, "org.apache.kafka.tools.ProducerPerformance",
                "--topic", topic, "--num-records", String.valueOf(records), "--record-size", String.valueOf(recordSize),
                "--throughput", "-1", "--producer-props", "bootstrap.servers=" + bootstrap, "acks=all", "linger.ms=5",
                "batch.size=65536", "compression.type=lz4", "enable.idempotence=true");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String summary = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (PP_SUMMARY.matcher(line).find()) summary = line.strip();
            }
        }
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0 || summary == null) {
            throw new IllegalStateException("ProducerPerformance failed (exit " + (p.isAlive() ? "timeout" : p.exitValue()) + ")");
        }
        Matcher m = PP_SUMMARY.matcher(summary);
        if (!m.find()) throw new IllegalStateException("cannot parse " + summary);
        return new ProducerPerformanceResult(Double.parseDouble(m.group(2)), summary);
    }
}
