package org.compliancepipeline.sink.runtime;

import java.util.List;

/**
 * What happened to a batch a writer was given. A writer whose store writes a batch atomically
 * returns {@link #complete()} or throws; a writer whose store reports per item (a bulk API) lists
 * the items that failed, each with its classification, and the runtime retries or dead-letters
 * exactly those.
 */
public record WriteResult<V>(List<Failure<V>> failures) {

    public record Failure<V>(SinkRecord<V> record, FailureKind kind, Throwable error) { }

    public WriteResult {
        failures = List.copyOf(failures);
    }

    private static final WriteResult<?> COMPLETE = new WriteResult<>(List.of());

    @SuppressWarnings("unchecked")
    public static <V> WriteResult<V> complete() {
        return (WriteResult<V>) COMPLETE;
    }

    public static <V> WriteResult<V> withFailures(List<Failure<V>> failures) {
        return new WriteResult<>(failures);
    }

    public boolean isComplete() {
        return failures.isEmpty();
    }
}
