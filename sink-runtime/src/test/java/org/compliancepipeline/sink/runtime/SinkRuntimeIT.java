package org.compliancepipeline.sink.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The consumer loop against a real broker, with a store made of plain objects. */
@RealInfra
class SinkRuntimeIT {
    private static final RecordDecoder<String> DECODER = (topic, headers, bytes) -> {
        String s = new String(bytes, StandardCharsets.UTF_8);
        if (s.startsWith("garbage")) throw new IllegalArgumentException("not a record: " + s);
        return s;
    };

    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final Topic<String, String> input = new Topic<>("it.sink.in." + id, Serdes.String(), Serdes.String(), 4, Map.of());
    private final Topic<byte[], byte[]> dlq = new Topic<>("it.sink.dlq." + id, Serdes.ByteArray(), Serdes.ByteArray(), 1, Map.of());
    private KafkaClients kafka;
    private SimpleMeterRegistry registry;
    private final List<SinkRuntime<String>> runtimes = new ArrayList<>();

    @BeforeEach
    void topics(Infra infra) throws Exception {
        MemoryWriter.reset();
        registry = new SimpleMeterRegistry();
        kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), registry);
        try (Admin admin = kafka.admin("it")) {
            TopicAdmin.ensureTopics(admin, List.of(input, dlq), (short) 1, Duration.ofSeconds(30));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (SinkRuntime<String> r : runtimes) r.close();
        kafka.close();
    }

    private SinkConfig config(Duration notReadyAfter) {
        return new SinkConfig("test-sink", "it-group-" + id, List.of(input.name()), dlq.name(), 1, 500, 1 << 20,
                Duration.ofMillis(50), Duration.ofMillis(50), Duration.ofMillis(400), notReadyAfter, 500);
    }

    private SinkRuntime<String> start(String name, Duration notReadyAfter) {
        SinkRuntime<String> r = SinkRuntime.start(config(notReadyAfter), kafka, registry, DECODER, dlq, () -> new MemoryWriter(name));
        runtimes.add(r);
        return r;
    }

    private void produce(List<String> values) throws Exception {
        try (KafkaProducer<String, String> p = kafka.producer("it-producer", input)) {
            for (String v : values) p.send(new ProducerRecord<>(input.name(), v, v));
            p.flush();
        }
    }

    private List<ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var c = kafka.consumer("dlq-reader-" + UUID.randomUUID(), "dlq-reader", dlq, Map.of())) {
            c.subscribe(List.of(dlq.name()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (out.size() < expected && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(200)).forEach(out::add);
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void everyRecordIsStoredOnceAndOffsetsAreCommittedAfterTheStore() throws Exception {
        List<String> values = IntStream.range(0, 5_000).mapToObj(i -> "rec-" + i).toList();
        start("a", Duration.ofSeconds(30));
        produce(values);
        await().atMost(Duration.ofSeconds(60)).until(() -> MemoryWriter.writes.size() == values.size());
        assertThat(MemoryWriter.writes.values()).allSatisfy(w -> assertThat(w).hasSize(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Admin admin = kafka.admin("lag")) {
                var committed = admin.listConsumerGroupOffsets("it-group-" + id).partitionsToOffsetAndMetadata().get();
                assertThat(committed.values().stream().mapToLong(o -> o.offset()).sum()).isEqualTo(values.size());
            }
        });
        assertThat(registry.get("sink.records.written").counter().count()).isEqualTo(values.size());
        assertThat(MemoryWriter.batches.get()).as("records are written in batches").isLessThan(values.size() / 10);
    }

    @Test
    void aPoisonRecordIsIsolatedAndDeadLetteredWhileItsNeighboursAreStored() throws Exception {
        List<String> values = IntStream.range(0, 1_000).mapToObj(i -> "rec-" + i).toList();
        MemoryWriter.poison.add("rec-437");
        produce(values);
        start("a", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> MemoryWriter.writes.size() == values.size() - 1);
        assertThat(MemoryWriter.writes).doesNotContainKey("rec-437");

        var dead = readDeadLetters(1);
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo("rec-437");
            assertThat(header(r, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(input.name());
            assertThat(header(r, DeadLetterHeaders.SOURCE_PARTITION)).isNotNull();
            assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).isNotNull();
            assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).endsWith("MemoryWriter$BadValue");
            assertThat(header(r, DeadLetterHeaders.REASON)).contains("rec-437").contains("violates a constraint");
            assertThat(header(r, DeadLetterHeaders.STAGE)).isEqualTo("test-sink");
        });
        assertThat(registry.find("sink.dlq.records").counter().count()).isEqualTo(1);
    }

    @Test
    void undecodableBytesGoToTheDeadLetterTopicWithoutStoppingTheSink() throws Exception {
        produce(List.of("rec-1", "garbage-bytes", "rec-2"));
        start("a", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> MemoryWriter.writes.size() == 2);
        var dead = readDeadLetters(1);
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(header(r, DeadLetterHeaders.REASON)).contains("not a record");
            assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).isEqualTo(IllegalArgumentException.class.getName());
        });
    }

    @Test
    void anUnavailableStoreIsRetriedWithoutLossAndReadinessTellsTheTruth() throws Exception {
        List<String> values = IntStream.range(0, 2_000).mapToObj(i -> "rec-" + i).toList();
        MemoryWriter.unavailable.set(true);
        SinkRuntime<String> sink = start("a", Duration.ofMillis(800));
        produce(values);
        await().atMost(Duration.ofSeconds(60)).until(() -> !sink.health().check().ready());
        assertThat(sink.health().check().detail()).contains("writes failing for");
        assertThat(MemoryWriter.writes).isEmpty();
        Thread.sleep(1_000);
        MemoryWriter.unavailable.set(false);

        await().atMost(Duration.ofSeconds(60)).until(() -> MemoryWriter.writes.size() == values.size());
        assertThat(MemoryWriter.writes.values()).allSatisfy(w -> assertThat(w).hasSize(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.health().check().ready());
        assertThat(registry.get("sink.write.retries").counter().count()).isGreaterThan(0);
    }

    @Test
    void twoInstancesShareThePartitionsAndNoRecordIsWrittenByBothOwners() throws Exception {
        List<String> first = IntStream.range(0, 3_000).mapToObj(i -> "first-" + i).toList();
        List<String> second = IntStream.range(0, 3_000).mapToObj(i -> "second-" + i).toList();
        start("a", Duration.ofSeconds(30));
        produce(first);
        await().atMost(Duration.ofSeconds(60)).until(() -> MemoryWriter.writes.size() >= 1_000);
        start("b", Duration.ofSeconds(30));   // rebalance while records are flowing
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (Admin admin = kafka.admin("group")) {
                var group = admin.describeConsumerGroups(List.of("it-group-" + id)).all().get().get("it-group-" + id);
                assertThat(group.members()).hasSize(2).allSatisfy(m -> assertThat(m.assignment().topicPartitions()).isNotEmpty());
            }
        });
        produce(second);
        await().atMost(Duration.ofSeconds(90)).until(() -> MemoryWriter.writes.size() == first.size() + second.size());
        Thread.sleep(1_000);
        assertThat(MemoryWriter.writes.values()).allSatisfy(owners -> assertThat(owners).as("owners").hasSize(1));
        assertThat(MemoryWriter.writes.values().stream().map(o -> o.getFirst()).distinct()).containsExactlyInAnyOrder("a", "b");
    }
}
