package org.compliancepipeline.cli;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.Topic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Writes reference entries to their compacted topic (idempotent producer, {@code acks=all}) and,
 * when asked, deletes the entries of the same scope that are no longer in the source: a tombstone
 * (null value) per removed key, which compaction then drops and the stream processor's global
 * tables forget.
 */
final class ReferenceTopicWriter {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** What a load did. */
    record Summary(int written, List<String> removed) { }

    private ReferenceTopicWriter() { }

    /**
     * @param entries key to value, all written
     * @param scope   which existing keys belong to this load (e.g. {@code nist-800-53-r5:*}); used only with {@code prune}
     */
    static <V> Summary write(KafkaClients clients, Topic<String, V> topic, Map<String, V> entries, boolean prune,
                             Predicate<String> scope) throws InterruptedException, ExecutionException, TimeoutException {
        List<String> removed = new ArrayList<>();
        if (prune) {
            for (String key : liveKeys(clients, topic.name())) {
                if (scope.test(key) && !entries.containsKey(key)) removed.add(key);
            }
            removed.sort(null);
        }
        try (var producer = clients.producer("pipeline-cli", topic)) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            entries.forEach((k, v) -> acks.add(producer.send(new ProducerRecord<>(topic.name(), k, v))));
            for (String k : removed) acks.add(producer.send(new ProducerRecord<>(topic.name(), k, null)));
            producer.flush();
            for (Future<RecordMetadata> ack : acks) ack.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
        return new Summary(entries.size(), removed);
    }

    /** Keys whose latest record in the topic is not a tombstone (reads the whole topic, committed data only). */
    static Set<String> liveKeys(KafkaClients clients, String topic) {
        Map<String, Object> props = KafkaClients.consumerDefaults(clients.config(), "unused", "pipeline-cli-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Set<String> live = new HashSet<>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, TIMEOUT).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, TIMEOUT);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("could not read " + topic + " to its end in " + TIMEOUT);
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) continue;
                    if (r.value() == null) live.remove(r.key());
                    else live.add(r.key());
                }
            }
        }
        return live;
    }
}
