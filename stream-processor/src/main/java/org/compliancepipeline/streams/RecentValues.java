package org.compliancepipeline.streams;

import org.apache.kafka.streams.state.KeyValueStore;

import java.util.HashMap;
import java.util.Map;

/**
 * A bounded in-heap read-through copy of the values a processor last read or wrote in its store.
 * The store (RocksDB behind the record cache, changelogged) stays the record of truth and takes
 * every write; reads of recent keys are answered from a plain map instead of going through the
 * store's layers (metering, record cache lookup, deserialisation), which cost more than the rest
 * of the processing. Correct only for a store this processor alone writes, through this object;
 * past {@code maxEntries} the copy starts over. Created in {@code init}, so a task that is
 * re-initialised (after a failover or an aborted transaction) starts from the restored store.
 */
final class RecentValues<K, V> {
    private final KeyValueStore<K, V> store;
    private final int maxEntries;
    private final Map<K, V> recent = new HashMap<>();

    RecentValues(KeyValueStore<K, V> store, int maxEntries) {
        this.store = store;
        this.maxEntries = maxEntries;
    }

    V get(K key) {
        V value = recent.get(key);
        if (value == null) {
            value = store.get(key);
            if (value != null) remember(key, value);
        }
        return value;
    }

    void put(K key, V value) {
        store.put(key, value);
        remember(key, value);
    }

    void delete(K key) {
        store.delete(key);
        recent.remove(key);
    }

    private void remember(K key, V value) {
        if (recent.size() >= maxEntries && !recent.containsKey(key)) recent.clear();
        recent.put(key, value);
    }
}
