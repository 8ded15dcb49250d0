package org.compliancepipeline.streams;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.TaskMetadata;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of the application share the partitions of one input; one of them, a separate JVM,
 * is killed with SIGKILL while 100,000 records stream in. Afterwards every output holds every
 * record exactly once, and the final scores equal the scores computed directly from the input.
 */
@RealInfra
class StreamProcessorFailoverIT {
    static final int RECORDS = 100_000;
    static final int DUPLICATES = 1_000;
    static final int INVALID = 2_000;
    static final int UNDECODABLE = 500;
    static final int ORGS = 20;
    static final int CONTROLS = 40;
    static final int RATE_PER_SECOND = 5_000;
    static final int KILL_AFTER_OUTPUTS = 25_000;
    static final String NIST = "nist-800-53-r5";
    static final List<ComplianceStatus> STATUSES = List.of(ComplianceStatus.values());

    @TempDir Path dirs;
    final List<AutoCloseable> cleanup = new ArrayList<>();
    Process instanceA;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aKilledInstanceLosesNothingAndDuplicatesNothing(Infra infra) throws Exception {
        String run = "it-sp-" + UUID.randomUUID().toString().substring(0, 8);
        PipelineTopics topics = PipelineTopics.prefixed(run + ".");
        String appId = run + "-app";
        KafkaConfig kafka = KafkaConfig.local(infra.kafkaBootstrapServers());
        KafkaClients clients = new KafkaClients(kafka, new SimpleMeterRegistry());
        Admin admin = clients.admin("it-admin");
        cleanup.add(() -> deleteTopics(admin, run, appId));
        TopicAdmin.ensureTopics(admin, topics.all(), (short) 1, Duration.ofSeconds(60));

        // Reference data: 40 controls (every fifth an enhancement of weight 0.5) and 20 organisations.
        Map<String, Double> weights = new HashMap<>();
        try (var producer = clients.producer("it-controls", topics.controls())) {
            for (int c = 1; c <= CONTROLS; c++) {
                String id = controlId(c);
                boolean enhancement = c % 5 == 0;
                weights.put(id, enhancement ? 0.5 : 1.0);
                producer.send(new ProducerRecord<>(topics.controls().name(), Keys.control(NIST, id), ControlDefinition.newBuilder()
                        .setFramework(NIST).setControlId(id).setTitle("Control " + id).setFamily(id.substring(0, 2))
                        .setParentControlId(enhancement ? controlId(c - 1) : null).setWeight(weights.get(id)).build()));
            }
        }
        try (var producer = clients.producer("it-orgs", topics.orgs())) {
            for (int o = 0; o < ORGS; o++) {
                producer.send(new ProducerRecord<>(topics.orgs().name(), "org-" + o, Organization.newBuilder()
                        .setOrgId("org-" + o).setName("Org " + o).setSector("banking").setRegion("sa-riyadh")
                        .setFrameworks(List.of(NIST)).build()));
            }
        }

        Input input = Input.generate(new Random(42), Instant.now());

        Map<String, String> env = new HashMap<>(topics.asEnvironment());
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        env.put("APPLICATION_ID", appId);
        env.put("SESSION_TIMEOUT", "10s");
        // Long transactions: a kill loses up to a second of work in flight, which must be redone exactly once.
        env.put("COMMIT_INTERVAL", "1s");
        env.put("STATS_GRACE", "6h");
        env.put("CREATE_TOPICS", "false");

        // Instance A: its own JVM, so it can really be killed.
        int opsPortA = freePort();
        instanceA = startChild(env, dirs.resolve("state-a"), opsPortA);
        await(Duration.ofSeconds(90), () -> ready(opsPortA), "instance A ready");

        // Instance B: in this JVM.
        Map<String, String> envB = new HashMap<>(env);
        envB.put("STATE_DIR", dirs.resolve("state-b").toString());
        StreamProcessorConfig configB = StreamProcessorConfig.fromEnv(new Env(envB));
        PipelineMetrics metricsB = new PipelineMetrics(new SimpleMeterRegistry());
        var propsB = configB.streamsProperties(kafka, metricsB);
        KafkaStreams instanceB = new KafkaStreams(ComplianceTopology.build(configB, metricsB, propsB), propsB);
        cleanup.add(() -> instanceB.close(Duration.ofSeconds(30)));
        instanceB.start();
        await(Duration.ofSeconds(90), () -> instanceB.state() == KafkaStreams.State.RUNNING
                && recordTasks(instanceB, topics) > 0 && recordTasks(instanceB, topics) < topics.records().partitions() && ready(opsPortA),
                "both instances running, sharing the input partitions");
        int tasksOfBBefore = recordTasks(instanceB, topics);

        OutputReader<EnrichedRecord> enriched = new OutputReader<>(clients, topics.enriched().name(),
                (k, v) -> AvroSerdes.ENRICHED_RECORD.deserialize("", v));
        OutputReader<byte[]> deadLetters = new OutputReader<>(clients, topics.deadLetters().name(), (k, v) -> v);
        OutputReader<ComplianceScore> scores = new OutputReader<>(clients, topics.scores().name(),
                (k, v) -> AvroSerdes.COMPLIANCE_SCORE.deserialize("", v));
        OutputReader<ControlStatus> statuses = new OutputReader<>(clients, topics.controlStatus().name(),
                (k, v) -> AvroSerdes.CONTROL_STATUS.deserialize("", v));
        OutputReader<ComplianceStats> stats = new OutputReader<>(clients, topics.statsHourly().name(),
                (k, v) -> AvroSerdes.COMPLIANCE_STATS.deserialize("", v));
        List.of(enriched, deadLetters, scores, statuses, stats).forEach(cleanup::add);

        long start = System.nanoTime();
        Thread producer = Thread.ofPlatform().name("it-input").start(() -> input.produce(kafka, topics.records().name()));
        Thread progress = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Thread.sleep(2000);
                    System.out.printf("[failover-it] %5.1f s: sent %d, enriched %d, dead letters %d%n",
                            (System.nanoTime() - start) / 1e9, input.sent.get(), enriched.count(), deadLetters.count());
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        cleanup.add(progress::interrupt);

        await(Duration.ofSeconds(120), () -> enriched.count() >= KILL_AFTER_OUTPUTS, KILL_AFTER_OUTPUTS + " enriched outputs");
        int producedAtKill = input.sent.get();
        instanceA.destroyForcibly();   // SIGKILL: no shutdown hook, no commit, no leaving the group
        System.out.printf("[failover-it] %5.1f s: killed instance A after %d enriched outputs, %d records sent%n",
                (System.nanoTime() - start) / 1e9, enriched.count(), producedAtKill);
        assertThat(instanceA.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(instanceA.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(producedAtKill).as("the kill happens mid-stream").isLessThan(input.messages.size());
        producer.join();

        // Wait for the outputs to be complete, or to stop growing (then the assertions below say what is wrong).
        awaitComplete(Duration.ofSeconds(150), () -> enriched.count() + deadLetters.count(),
                input.expectedRecordIds.size() + input.expectedDeadLetters.size());
        Map<String, ComplianceScore> expectedScores = input.expectedScores(weights);
        awaitComplete(Duration.ofSeconds(60), () -> expectedScores.entrySet().stream()
                .filter(e -> sameScore(latest(scores).get(e.getKey()), e.getValue())).count(), expectedScores.size());
        Thread.sleep(3_000);   // anything still arriving now would be a duplicate

        assertThat(recordTasks(instanceB, topics)).as("B took over A's partitions").isEqualTo(topics.records().partitions())
                .isGreaterThan(tasksOfBBefore);
        Map<String, Long> enrichedPerRecordId = enriched.values().stream()
                .collect(Collectors.groupingBy(e -> e.getRecord().getRecordId(), Collectors.counting()));
        assertThat(enrichedPerRecordId.keySet()).as("every valid record is enriched").isEqualTo(input.expectedRecordIds);
        assertThat(enrichedPerRecordId.values()).as("exactly once").allMatch(n -> n == 1);

        Map<ByteBuffer, Long> deadPerValue = deadLetters.values().stream()
                .collect(Collectors.groupingBy(ByteBuffer::wrap, Collectors.counting()));
        assertThat(deadPerValue.keySet()).as("every invalid or undecodable record is dead-lettered")
                .isEqualTo(input.expectedDeadLetters);
        assertThat(deadPerValue.values()).as("exactly once").allMatch(n -> n == 1);

        Map<String, ComplianceScore> finalScores = latest(scores);
        for (var e : expectedScores.entrySet()) {
            ComplianceScore actual = finalScores.get(e.getKey());
            assertThat(sameScore(actual, e.getValue())).as("score of %s: %s vs expected %s", e.getKey(), actual, e.getValue()).isTrue();
        }

        Map<String, ControlStatus> finalStatuses = latest(statuses);
        Map<String, ComplianceRecord> expectedLatest = input.expectedLatest();
        assertThat(finalStatuses.keySet()).isEqualTo(expectedLatest.keySet());
        expectedLatest.forEach((key, r) -> assertThat(finalStatuses.get(key).getRecordId()).as(key).isEqualTo(r.getRecordId()));

        long counted = latest(stats).values().stream().mapToLong(ComplianceStats::getCount).sum();
        assertThat(counted).as("hourly counts add up to the records, each counted once").isEqualTo(input.expectedRecordIds.size());
    }

    /** The input, and what a correct pipeline makes of it, computed directly. */
    static final class Input {
        final List<ProducerRecord<byte[], byte[]>> messages = new ArrayList<>();
        final Set<String> expectedRecordIds = ConcurrentHashMap.newKeySet();
        final Set<ByteBuffer> expectedDeadLetters = ConcurrentHashMap.newKeySet();
        final List<ComplianceRecord> valid = new ArrayList<>();
        final AtomicInteger sent = new AtomicInteger();

        static Input generate(Random random, Instant now) {
            Input in = new Input();
            List<ProducerRecord<byte[], byte[]>> originals = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                String org = "org-" + random.nextInt(ORGS);
                // A few controls missing from the catalog (flagged, weight 0); observedAt spread over two hours, out of order.
                String control = random.nextInt(100) == 0 ? "zz-" + random.nextInt(3) : controlId(1 + random.nextInt(CONTROLS));
                ComplianceRecord r = ComplianceRecord.newBuilder()
                        .setRecordId("rec-" + i).setOrgId(org).setFramework(NIST).setControlId(control)
                        .setStatus(STATUSES.get(random.nextInt(STATUSES.size())))
                        .setObservedAt(now.minusMillis(random.nextInt(2 * 3600 * 1000)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                        .setSource("failover-it").setMethod(AssessmentMethod.AUTOMATED).build();
                boolean invalid = i % (RECORDS / INVALID) == 7;
                if (invalid) r.setScore(150.0);
                byte[] bytes = AvroSerdes.COMPLIANCE_RECORD.serialize("", r);
                ProducerRecord<byte[], byte[]> message = message(org, bytes);
                in.messages.add(message);
                if (invalid) {
                    in.expectedDeadLetters.add(ByteBuffer.wrap(bytes));
                } else {
                    in.expectedRecordIds.add(r.getRecordId());
                    in.valid.add(r);
                    originals.add(message);
                }
                if (i % (RECORDS / DUPLICATES) == 3 && i > 1000) {
                    in.messages.add(originals.get(originals.size() - 1 - random.nextInt(500)));   // a resend
                }
                if (i % (RECORDS / UNDECODABLE) == 11) {
                    byte[] garbage = ("not a record " + i).getBytes(StandardCharsets.UTF_8);
                    in.messages.add(message(org, garbage));
                    in.expectedDeadLetters.add(ByteBuffer.wrap(garbage));
                }
            }
            return in;
        }

        private static ProducerRecord<byte[], byte[]> message(String org, byte[] value) {
            return new ProducerRecord<>("", org.getBytes(StandardCharsets.UTF_8), value);
        }

        /** Sends at {@link #RATE_PER_SECOND}, keyed by orgId. */
        void produce(KafkaConfig kafka, String topic) {
            var props = KafkaClients.producerDefaults(kafka, "it-input");
            try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                long start = System.nanoTime();
                SendErrors errors = new SendErrors();
                for (ProducerRecord<byte[], byte[]> m : messages) {
                    producer.send(new ProducerRecord<>(topic, m.key(), m.value()), errors);
                    int n = sent.incrementAndGet();
                    if (n % 1000 == 0) {
                        long due = start + TimeUnit.SECONDS.toNanos(1) * n / RATE_PER_SECOND;
                        long wait = due - System.nanoTime();
                        if (wait > 0) LockSupport.parkNanos(wait);
                    }
                }
                producer.flush();
                errors.throwIfAny();
            }
        }

        /** The latest record per control status key, by observedAt, then severity, then recordId. */
        Map<String, ComplianceRecord> expectedLatest() {
            Comparator<ComplianceRecord> order = Comparator.comparing((ComplianceRecord r) -> r.getObservedAt())
                    .thenComparingInt(r -> switch (r.getStatus()) {
                        case NOT_SATISFIED -> 4; case PARTIALLY_SATISFIED -> 3; case UNKNOWN -> 2; case SATISFIED -> 1; case NOT_APPLICABLE -> 0;
                    })
                    .thenComparing(ComplianceRecord::getRecordId);
            return valid.stream().collect(Collectors.toMap(r -> Keys.controlStatus(r.getOrgId(), r.getFramework(), r.getControlId()),
                    r -> r, (a, b) -> order.compare(a, b) >= 0 ? a : b));
        }

        /** The score rule of the README, applied to the latest statuses. */
        Map<String, ComplianceScore> expectedScores(Map<String, Double> weights) {
            Map<String, double[]> totals = new HashMap<>();   // applicable, satisfied, 5 counts
            for (ComplianceRecord r : expectedLatest().values()) {
                double w = weights.getOrDefault(r.getControlId(), 0.0);
                double[] t = totals.computeIfAbsent(Keys.score(r.getOrgId(), r.getFramework()), k -> new double[7]);
                if (w == 0) continue;
                switch (r.getStatus()) {
                    case SATISFIED -> { t[0] += w; t[1] += w; t[2]++; }
                    case PARTIALLY_SATISFIED -> { t[0] += w; t[1] += w / 2; t[3]++; }
                    case NOT_SATISFIED -> { t[0] += w; t[4]++; }
                    case NOT_APPLICABLE -> t[5]++;
                    case UNKNOWN -> { t[0] += w; t[6]++; }
                }
            }
            Map<String, ComplianceScore> scores = new HashMap<>();
            totals.forEach((key, t) -> scores.put(key, ComplianceScore.newBuilder()
                    .setOrgId(key.split("/")[0]).setFramework(NIST).setApplicableWeight(t[0]).setSatisfiedWeight(t[1])
                    .setScore(t[0] == 0 ? 0 : 100 * t[1] / t[0])
                    .setControlsSatisfied((int) t[2]).setControlsPartiallySatisfied((int) t[3]).setControlsNotSatisfied((int) t[4])
                    .setControlsNotApplicable((int) t[5]).setControlsUnknown((int) t[6]).setUpdatedAt(Instant.EPOCH).build()));
            return scores;
        }
    }

    static boolean sameScore(ComplianceScore a, ComplianceScore e) {
        return a != null && Math.abs(a.getScore() - e.getScore()) < 1e-9
                && a.getApplicableWeight() == e.getApplicableWeight() && a.getSatisfiedWeight() == e.getSatisfiedWeight()
                && a.getControlsSatisfied() == e.getControlsSatisfied()
                && a.getControlsPartiallySatisfied() == e.getControlsPartiallySatisfied()
                && a.getControlsNotSatisfied() == e.getControlsNotSatisfied()
                && a.getControlsNotApplicable() == e.getControlsNotApplicable() && a.getControlsUnknown() == e.getControlsUnknown();
    }

    /** Reads a whole topic, committed data only, from the beginning, in the background. */
    static final class OutputReader<V> implements AutoCloseable {
        private final List<Map.Entry<String, V>> records = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean running = true;

        OutputReader(KafkaClients clients, String topic, java.util.function.BiFunction<String, byte[], V> decode) {
            Map<String, Object> props = KafkaClients.consumerDefaults(clients.config(), "unused", "it-reader-" + topic);
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
            thread = Thread.ofPlatform().name("it-reader-" + topic).start(() -> {
                try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                            .map(p -> new TopicPartition(topic, p.partition())).toList();
                    consumer.assign(partitions);
                    consumer.seekToBeginning(partitions);
                    while (running) {
                        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                            String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
                            records.add(Map.entry(key == null ? "" : key, decode.apply(key, r.value())));
                        }
                    }
                }
            });
        }

        int count() {
            return records.size();
        }

        List<V> values() {
            synchronized (records) {
                return records.stream().map(Map.Entry::getValue).toList();
            }
        }

        Map<String, V> latest() {
            Map<String, V> latest = new HashMap<>();
            synchronized (records) {
                records.forEach(e -> latest.put(e.getKey(), e.getValue()));
            }
            return latest;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5_000);
        }
    }

    static <V> Map<String, V> latest(OutputReader<V> reader) {
        return reader.latest();
    }

    private Process startChild(Map<String, String> env, Path stateDir, int opsPort) throws IOException {
        Path log = Path.of("target", "failover-it-instance-a.log");
        Files.createDirectories(log.getParent());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), StreamProcessorMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        pb.environment().put("STATE_DIR", stateDir.toString());
        pb.environment().put("OPS_PORT", Integer.toString(opsPort));
        pb.environment().put("INSTANCE_ID", "instance-a");
        return pb.start();
    }

    private static boolean ready(int port) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Active tasks reading the input topic. */
    private static int recordTasks(KafkaStreams streams, PipelineTopics topics) {
        return (int) streams.metadataForLocalThreads().stream().flatMap(t -> t.activeTasks().stream())
                .map(TaskMetadata::topicPartitions)
                .filter(tps -> tps.stream().anyMatch(tp -> tp.topic().equals(topics.records().name()))).count();
    }

    private static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(200);
        }
    }

    /** Until {@code progress} reaches {@code target}, or stops moving for 30 s, or the timeout passes. */
    private static void awaitComplete(Duration timeout, java.util.function.LongSupplier progress, long target) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        long lastChange = System.nanoTime();
        while (System.nanoTime() < deadline) {
            long now = progress.getAsLong();
            if (now >= target) return;
            if (now != last) {
                last = now;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(30)) {
                return;
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String controlId(int c) {
        String[] families = {"ac", "au", "cm", "ia", "sc"};
        return families[c % families.length] + "-" + c;
    }

    private static void deleteTopics(Admin admin, String run, String appId) throws Exception {
        Set<String> ours = admin.listTopics().names().get().stream()
                .filter(n -> n.startsWith(run + ".") || n.startsWith(appId + "-")).collect(Collectors.toSet());
        if (!ours.isEmpty()) admin.deleteTopics(ours).all().get(60, TimeUnit.SECONDS);
        admin.close();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (instanceA != null && instanceA.isAlive()) instanceA.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        for (AutoCloseable c : cleanup.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }
}
