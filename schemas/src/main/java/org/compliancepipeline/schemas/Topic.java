package org.compliancepipeline.schemas;

import org.apache.kafka.common.serialization.Serde;

import java.util.Map;
import java.util.Objects;

/**
 * A Kafka topic as a value: its name, the serdes of its keys and values, and how it should be
 * created. Producers, consumers, the Streams topology and the tests all ask the topic, so a name
 * or a serde is written exactly once ({@link Topics}).
 *
 * @param partitions default partition count when the project creates the topic
 * @param config     topic-level configs (cleanup policy, retention ...) applied at creation
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, int partitions, Map<String, String> config) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        if (partitions < 1) throw new IllegalArgumentException("partitions must be >= 1 for topic " + name);
        config = Map.copyOf(config);
    }

    public boolean compacted() {
        return config.getOrDefault("cleanup.policy", "delete").contains("compact");
    }

    @Override
    public String toString() {
        return name;
    }
}
