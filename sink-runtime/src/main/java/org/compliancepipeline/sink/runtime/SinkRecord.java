package org.compliancepipeline.sink.runtime;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Headers;

/**
 * One consumed record with its position, raw bytes (kept for the dead-letter topic) and decoded value
 * ({@code null} for a tombstone).
 */
public record SinkRecord<V>(String topic, int partition, long offset, long timestamp,
                            byte[] key, byte[] rawValue, V value, Headers headers) {

    public TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
    }

    public String keyString() {
        return key == null ? null : new String(key, java.nio.charset.StandardCharsets.UTF_8);
    }

    public boolean isTombstone() {
        return rawValue == null;
    }

    int sizeInBytes() {
        return (key == null ? 0 : key.length) + (rawValue == null ? 0 : rawValue.length);
    }

    @Override
    public String toString() {
        return topic + "-" + partition + "@" + offset;
    }
}
