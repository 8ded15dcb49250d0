package org.compliancepipeline.sink.runtime;

import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * What a sink plugs into the {@link SinkLoop}: it stores batches in one store. Called only from the
 * loop's thread; each loop has its own writer.
 */
public interface SinkWriter<V> extends AutoCloseable {

    /**
     * Stores the records. Either all are stored and {@link WriteResult#complete()} is returned, or an
     * exception says the batch as a whole failed (classified by {@link #classify}), or the result
     * lists the items that failed while the others were stored. Must be idempotent: the same record
     * may be written again after a crash or a rebalance.
     */
    WriteResult<V> write(List<SinkRecord<V>> records) throws Exception;

    /** Retryable (the store) or poison (the record). */
    FailureKind classify(Throwable error);

    /**
     * Positions kept by the store itself, in the same transaction as the rows, for the partitions
     * just assigned: the loop seeks there, so a crash between the store's commit and Kafka's never
     * replays or skips. Empty when the store keeps none (then Kafka's committed offsets are used).
     */
    default Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> partitions) throws Exception {
        return Map.of();
    }

    @Override
    default void close() throws Exception {
    }
}
