package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;

/**
 * Stage 2: drops a record whose recordId was already accepted for the same organisation within
 * the retention. Seen ids live in a RocksDB window store (changelogged, so a failover keeps them)
 * whose segments expire after the retention: memory and disk stay bounded without a cleanup job.
 *
 * <p>Time is processing time (when the first copy was accepted), so a producer retrying a send,
 * or replaying a file, within the retention is deduplicated whatever the record's observedAt.
 * Records are keyed by orgId (validation enforces it), so every copy of a record reaches the same
 * partition and the same store: no repartitioning is needed. The recordId is scoped to its
 * organisation: the same id sent for two organisations is two records.
 */
final class Deduplication implements FixedKeyProcessor<String, ReceivedRecord, ReceivedRecord> {
    static final String STORE = "dedup-seen-record-ids";

    private final long retentionMs;
    private final PipelineMetrics metrics;
    private FixedKeyProcessorContext<String, ReceivedRecord> context;
    private WindowStore<String, Long> seen;

    Deduplication(Duration retention, PipelineMetrics metrics) {
        this.retentionMs = retention.toMillis();
        this.metrics = metrics;
    }

    static StoreBuilder<WindowStore<String, Long>> store(Duration retention) {
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, retention, retention, false), Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(FixedKeyProcessorContext<String, ReceivedRecord> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
    }

    @Override
    public void process(FixedKeyRecord<String, ReceivedRecord> record) {
        String id = record.key() + "/" + record.value().record().getRecordId();
        long now = context.currentSystemTimeMs();
        try (WindowStoreIterator<Long> earlier = seen.fetch(id, now - retentionMs, now + retentionMs)) {
            if (earlier.hasNext()) {
                metrics.duplicate();
                return;
            }
        }
        seen.put(id, record.timestamp(), now);
        context.forward(record);
    }
}
