package org.compliancepipeline.sink.cache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.SendErrors;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Topics of a test's own, producing a workload into them, and waiting until a consumer group has committed everything. */
final class KafkaHarness implements AutoCloseable {
    final KafkaClients kafka;
    private final Admin admin;

    KafkaHarness(String bootstrapServers) {
        kafka = new KafkaClients(KafkaConfig.local(bootstrapServers), new SimpleMeterRegistry());
        admin = kafka.admin("it-harness");
    }

    static SinkConfig sinkConfig(CacheSinkConfig config, String group, int batchRecords) {
        return new SinkConfig(CacheSink.NAME, group, config.topics(), Topics.SINK_CACHE_DLQ.name(), 1, batchRecords, 8 << 20,
                Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), batchRecords);
    }

    /** Deletes the sink's three input topics (a benchmark's warm-up topics, once read). */
    void deleteTopics(CacheSinkConfig config) throws Exception {
        admin.deleteTopics(config.topics()).all().get(30, TimeUnit.SECONDS);
    }

    void createTopics(CacheSinkConfig config, int partitions) throws InterruptedException {
        TopicAdmin.ensureTopics(admin, List.of(
                new Topic<>(config.enrichedTopic(), Serdes.String(), Serdes.ByteArray(), partitions, Map.of()),
                new Topic<>(config.controlStatusTopic(), Serdes.String(), Serdes.ByteArray(), partitions, Map.of()),
                new Topic<>(config.scoresTopic(), Serdes.String(), Serdes.ByteArray(), partitions, Map.of()),
                Topics.SINK_CACHE_DLQ), (short) 1, Duration.ofSeconds(30));
    }

    /** Produces the phases one after the other (each acknowledged before the next starts). */
    void produce(CacheSinkConfig config, List<List<Workload.Message>> phases) {
        try (KafkaProducer<String, byte[]> p = kafka.producer("it-producer",
                new Topic<>("any", Serdes.String(), Serdes.ByteArray(), 1, Map.of()))) {
            SendErrors errors = new SendErrors();
            for (List<Workload.Message> phase : phases) {
                for (Workload.Message m : phase) {
                    String topic = topic(config, m.role());
                    p.send(new ProducerRecord<>(topic, m.key(), m.bytes(topic)), errors);
                }
                p.flush();
                errors.throwIfAny();
            }
        }
    }

    /**
     * Produces the phases in the background, a chunk at a time with a pause between chunks, so a test
     * can break something while the stream is still flowing.
     */
    java.util.concurrent.CompletableFuture<Void> produceSlowly(CacheSinkConfig config, List<List<Workload.Message>> phases, int chunk, long pauseMillis) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (KafkaProducer<String, byte[]> p = kafka.producer("it-slow-producer",
                    new Topic<>("any", Serdes.String(), Serdes.ByteArray(), 1, Map.of()))) {
                SendErrors errors = new SendErrors();
                for (List<Workload.Message> phase : phases) {
                    for (int i = 0; i < phase.size(); i++) {
                        Workload.Message m = phase.get(i);
                        String topic = topic(config, m.role());
                        p.send(new ProducerRecord<>(topic, m.key(), m.bytes(topic)), errors);
                        if ((i + 1) % chunk == 0) {
                            p.flush();
                            Thread.sleep(pauseMillis);
                        }
                    }
                    p.flush();
                    errors.throwIfAny();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, r -> Thread.ofPlatform().name("it-slow-producer").start(r));
    }

    static String topic(CacheSinkConfig config, Workload.Role role) {
        return switch (role) {
            case ENRICHED -> config.enrichedTopic();
            case CONTROL_STATUS -> config.controlStatusTopic();
            case SCORES -> config.scoresTopic();
        };
    }

    /** Waits until the group has committed the end of every partition of the topics. */
    void awaitCaughtUp(String group, List<String> topics, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(200)).until(() -> lag(group, topics) == 0);
    }

    long lag(String group, List<String> topics) throws Exception {
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        described.values().forEach(d -> d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
        var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            lag += e.getValue().offset() - (c == null ? 0 : c.offset());
        }
        return lag;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        kafka.close();
    }
}
