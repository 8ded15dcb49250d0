package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A serde for reference data read far more often than it changes (the global controls and
 * organisations tables): every enriched record looks both up, and decoding a control's Avro
 * (title, statement, objectives, baselines) costs more than hashing its bytes. Decoded values are
 * kept by their exact bytes, so a changed definition (different bytes) is decoded afresh and an
 * unchanged one is never stale. Bounded: past {@code maxEntries} the memo starts over.
 * Thread-safe (global stores are read by every stream thread). Values handed out are shared:
 * callers must not modify them.
 */
final class MemoizingSerde {
    private MemoizingSerde() { }

    static <V> Serde<V> of(Serde<V> serde, int maxEntries) {
        Deserializer<V> inner = serde.deserializer();
        Map<Bytes, V> memo = new ConcurrentHashMap<>();
        Deserializer<V> memoizing = (topic, data) -> {
            if (data == null) return null;
            Bytes key = Bytes.wrap(data);
            V value = memo.get(key);
            if (value != null) return value;
            value = inner.deserialize(topic, data);
            if (memo.size() >= maxEntries) memo.clear();
            memo.put(Bytes.wrap(data.clone()), value);
            return value;
        };
        return Serdes.serdeFrom(serde.serializer(), memoizing);
    }
}
