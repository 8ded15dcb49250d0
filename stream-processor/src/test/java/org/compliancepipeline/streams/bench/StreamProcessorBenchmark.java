package org.compliancepipeline.streams.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.streams.ComplianceTopology;
import org.compliancepipeline.streams.PipelineMetrics;
import org.compliancepipeline.streams.PipelineTopics;
import org.compliancepipeline.streams.StreamProcessorConfig;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Records per second through the whole topology on one instance with exactly-once, against a
 * pass-through Streams application with the same settings on the same input (the raw limit of
 * Kafka Streams with transactions on this machine), plus end-to-end latency from the input
 * record's timestamp to its enriched output being readable (read_committed).
 *
 * <pre>bin/bench stream-processor [--records 500000] [--threads 1] [--commit-interval 100ms]
 *                              [--latency-rate 5000] [--latency-seconds 15]</pre>
 *
 * Phases: produce N records once (20 organisations, 300 controls, ~350-byte records); run the
 * pass-through application over them and time until its input offsets are committed; run the
 * full topology over them the same way (a committed input offset means its enriched output is
 * committed in the same transaction); then, with the full topology still running, produce at a
 * fixed rate and measure each enriched record's latency.
 */
public final class StreamProcessorBenchmark {
    private static final String NIST = "nist-800-53-r5";
    private static final String[] FAMILIES = {"ac", "at", "au", "ca", "cm", "cp", "ia", "ir", "ma", "mp", "pe", "pl", "ps", "ra",
            "sa", "sc", "si", "sr"};
    private static final int ORGS = 20;
    private static final int CONTROLS = 300;

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "500000"));
        String threads = opts.getOrDefault("threads", "1");
        String commitInterval = opts.getOrDefault("commit-interval", "100ms");
        int latencyRate = Integer.parseInt(opts.getOrDefault("latency-rate", "5000"));
        int latencySeconds = Integer.parseInt(opts.getOrDefault("latency-seconds", "15"));

        Infra infra = RealInfraExtension.infra();
        String run = "bench-sp-" + System.currentTimeMillis();
        PipelineTopics topics = PipelineTopics.prefixed(run + ".");
        Topic<byte[], byte[]> passThroughOut = new Topic<>(run + ".pass-through", Serdes.ByteArray(), Serdes.ByteArray(),
                topics.enriched().partitions(), topics.enriched().config());
        KafkaConfig kafka = KafkaConfig.local(infra.kafkaBootstrapServers());
        KafkaClients clients = new KafkaClients(kafka, new SimpleMeterRegistry());
        Path stateRoot = Files.createTempDirectory("bench-stream-processor");

        try (Admin admin = clients.admin("bench-admin")) {
            List<Topic<?, ?>> all = new ArrayList<>(topics.all());
            all.add(passThroughOut);
            TopicAdmin.ensureTopics(admin, all, (short) 1, Duration.ofSeconds(60));
            try {
                loadReferenceData(clients, topics);
                log("producing %,d records to %s (%d partitions)", records, topics.records().name(), topics.records().partitions());
                long t = System.nanoTime();
                produce(kafka, topics.records().name(), records, 0, Integer.MAX_VALUE, new Random(7));
                double produceRate = records / seconds(System.nanoTime() - t);
                log("produced at %,.0f records/s", produceRate);

                Map<String, String> env = new HashMap<>(topics.asEnvironment());
                env.put("NUM_STREAM_THREADS", threads);
                env.put("COMMIT_INTERVAL", commitInterval);
                env.put("CREATE_TOPICS", "false");

                // The raw limit: the same input through a pass-through application with the same settings.
                StreamProcessorConfig ptConfig = config(env, run + "-pass-through", stateRoot.resolve("pass-through"));
                Properties ptProps = ptConfig.streamsProperties(kafka, PipelineMetrics.discarding());
                StreamsBuilder pt = new StreamsBuilder();
                pt.stream(topics.records().name(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("in"))
                        .to(passThroughOut.name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("out"));
                double limitSeconds = timeThrough(pt.build(ptProps), ptProps, admin, run + "-pass-through", topics.records().name(), null);
                double limitRate = records / limitSeconds;
                log("pass-through: %,.0f records/s (%.1f s)", limitRate, limitSeconds);

                // The full topology on the same input.
                StreamProcessorConfig config = config(env, run + "-pipeline", stateRoot.resolve("pipeline"));
                PipelineMetrics metrics = PipelineMetrics.discarding();
                Properties props = config.streamsProperties(kafka, metrics);
                KafkaStreams[] keep = new KafkaStreams[1];
                double fullSeconds = timeThrough(ComplianceTopology.build(config, metrics, props), props, admin, run + "-pipeline",
                        topics.records().name(), keep);
                double rate = records / fullSeconds;
                log("full topology: %,.0f records/s (%.1f s), %.0f%% of pass-through", rate, fullSeconds, 100 * rate / limitRate);

                // Latency under a steady load, the full topology still running.
                Histogram latency = latency(kafka, topics, latencyRate, latencySeconds, records);
                keep[0].close(Duration.ofSeconds(30));
                log("latency at %,d records/s: p50 %.1f ms, p99 %.1f ms", latencyRate,
                        latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0);

                new BenchReport("stream-processor", System.getProperty("pipeline.bench.command", "bin/bench stream-processor"))
                        .rate(rate, "records/s")
                        .limitRate(limitRate)
                        .latencyMicros("", latency)
                        .figure("records", records)
                        .figure("input_partitions", topics.records().partitions())
                        .figure("stream_threads", Integer.parseInt(threads))
                        .figure("commit_interval", commitInterval)
                        .figure("processing_guarantee", "exactly_once_v2")
                        .figure("full_topology_seconds", fullSeconds)
                        .figure("pass_through_seconds", limitSeconds)
                        .figure("input_produce_rate", produceRate)
                        .figure("latency_load_rate", latencyRate)
                        .figure("latency_samples", latency.getTotalCount())
                        .figure("latency_definition", "input record timestamp (producer send) to enriched record readable read_committed")
                        .write();
            } finally {
                deleteRunTopics(admin, run);
                deleteDirectory(stateRoot);
            }
        }
    }

    private static StreamProcessorConfig config(Map<String, String> env, String applicationId, Path stateDir) {
        Map<String, String> e = new HashMap<>(env);
        e.put("APPLICATION_ID", applicationId);
        e.put("STATE_DIR", stateDir.toString());
        return StreamProcessorConfig.fromEnv(new Env(e));
    }

    /** Starts the application and returns the seconds from RUNNING until every input offset is committed. */
    private static double timeThrough(Topology topology, Properties props, Admin admin, String applicationId, String input,
                                      KafkaStreams[] keepRunning) throws Exception {
        Map<TopicPartition, Long> end = endOffsets(admin, input);
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.start();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR) throw new IllegalStateException(applicationId + " failed");
            Thread.sleep(20);
        }
        long start = System.nanoTime();
        while (true) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get();
            boolean done = end.entrySet().stream().allMatch(e -> {
                OffsetAndMetadata c = committed.get(e.getKey());
                // A partition no record went to never gets a committed offset.
                return e.getValue() == 0 || (c != null && c.offset() >= e.getValue());
            });
            if (done) break;
            if (streams.state() == KafkaStreams.State.ERROR) throw new IllegalStateException(applicationId + " failed");
            Thread.sleep(50);
        }
        double elapsed = seconds(System.nanoTime() - start);
        if (keepRunning == null) streams.close(Duration.ofSeconds(30));
        else keepRunning[0] = streams;
        return elapsed;
    }

    private static Histogram latency(KafkaConfig kafka, PipelineTopics topics, int rate, int seconds, int firstId) throws Exception {
        Histogram micros = new Histogram(TimeUnit.MINUTES.toMicros(5), 3);
        Map<String, Object> props = KafkaClients.consumerDefaults(kafka, "unused", "bench-latency");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        int expected = rate * seconds;
        try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topics.enriched().name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            Thread producer = Thread.ofPlatform().name("bench-latency-producer")
                    .start(() -> produce(kafka, topics.records().name(), expected, firstId, rate, new Random(11)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 60L);
            long received = 0;
            while (received < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.currentTimeMillis();
                    micros.recordValue(Math.max(0, now - r.timestamp()) * 1000);
                    received++;
                }
            }
            producer.join();
            log("latency phase: %,d of %,d enriched records received", received, expected);
        }
        return micros;
    }

    /** Valid, unique records keyed by orgId; {@code ratePerSecond} paces them (Integer.MAX_VALUE: as fast as possible). */
    private static void produce(KafkaConfig kafka, String topic, int count, int firstId, int ratePerSecond, Random random) {
        Map<String, Object> props = KafkaClients.producerDefaults(kafka, "bench-input");
        try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            ComplianceStatus[] statuses = ComplianceStatus.values();
            long start = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String org = "org-" + random.nextInt(ORGS);
                Instant now = Instant.now();
                ComplianceRecord r = ComplianceRecord.newBuilder()
                        .setRecordId("rec-" + (firstId + i)).setOrgId(org).setFramework(NIST).setControlId(controlId(random.nextInt(CONTROLS)))
                        .setStatus(statuses[random.nextInt(statuses.length)]).setScore(random.nextInt(101) * 1.0)
                        .setObservedAt(now.minusMillis(random.nextInt(3_600_000)))
                        .setSource("bench-scanner").setMethod(AssessmentMethod.AUTOMATED).setSubject("host-" + random.nextInt(500))
                        .setTitle("Automated check of control configuration")
                        .setDescription("The configuration baseline was compared with the deployed settings; deviations: " + random.nextInt(5))
                        .setEvidenceUris(List.of("https://evidence.example/runs/" + i))
                        .setTags(Map.of("env", "prod"))
                        .build();
                producer.send(new ProducerRecord<>(topic, null, now.toEpochMilli(), org.getBytes(StandardCharsets.UTF_8),
                        AvroSerdes.COMPLIANCE_RECORD.serialize(topic, r)));
                if (ratePerSecond != Integer.MAX_VALUE && i % 100 == 0) {
                    long wait = start + TimeUnit.SECONDS.toNanos(1) * i / ratePerSecond - System.nanoTime();
                    if (wait > 0) LockSupport.parkNanos(wait);
                }
            }
            producer.flush();
        }
    }

    private static void loadReferenceData(KafkaClients clients, PipelineTopics topics) {
        try (var producer = clients.producer("bench-controls", topics.controls())) {
            for (int c = 0; c < CONTROLS; c++) {
                String id = controlId(c);
                boolean enhancement = c % 3 == 2;
                producer.send(new ProducerRecord<>(topics.controls().name(), Keys.control(NIST, id), ControlDefinition.newBuilder()
                        .setFramework(NIST).setControlId(id).setTitle("Control " + id).setFamily(id.substring(0, 2))
                        .setFamilyTitle("Family " + id.substring(0, 2)).setStatement("The organization implements " + id + ".")
                        .setBaselines(List.of("MODERATE")).setWeight(enhancement ? 0.5 : 1.0).build()));
            }
        }
        try (var producer = clients.producer("bench-orgs", topics.orgs())) {
            for (int o = 0; o < ORGS; o++) {
                producer.send(new ProducerRecord<>(topics.orgs().name(), "org-" + o, Organization.newBuilder().setOrgId("org-" + o)
                        .setName("Organisation " + o).setSector("banking").setRegion("sa-riyadh").setFrameworks(List.of(NIST)).build()));
            }
        }
    }

    private static String controlId(int c) {
        return FAMILIES[c % FAMILIES.length] + "-" + (c / FAMILIES.length + 1);
    }

    private static Map<TopicPartition, Long> endOffsets(Admin admin, String topic) throws Exception {
        List<TopicPartition> partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        ListOffsetsResult result = admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())));
        Map<TopicPartition, Long> end = new HashMap<>();
        for (TopicPartition tp : partitions) end.put(tp, result.partitionResult(tp).get().offset());
        return end;
    }

    private static void deleteRunTopics(Admin admin, String run) {
        try {
            Set<String> ours = admin.listTopics().names().get().stream().filter(n -> n.startsWith(run)).collect(Collectors.toSet());
            if (!ours.isEmpty()) admin.deleteTopics(ours).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log("could not delete the benchmark's topics: %s", e);
        }
    }

    private static void deleteDirectory(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --name value, got " + args[i]);
            opts.put(args[i].substring(2), args[i + 1]);
        }
        return opts;
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void log(String format, Object... args) {
        System.out.printf("[bench] " + format + "%n", args);
    }
}
