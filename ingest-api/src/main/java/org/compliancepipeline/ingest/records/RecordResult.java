package org.compliancepipeline.ingest.records;

import org.compliancepipeline.schemas.json.FieldError;

import java.util.List;

/** What happened to one record of a request: the per-record answer the API returns. */
public sealed interface RecordResult {

    /** Kafka acknowledged the record (acks=all). */
    record Accepted(String recordId, int partition, long offset) implements RecordResult { }

    /**
     * The record itself is wrong and will be wrong again: the sender must fix it.
     *
     * @param reason {@code invalid}, {@code forbidden} or {@code too_large}
     */
    record Rejected(String reason, List<FieldError> errors) implements RecordResult {
        public Rejected {
            errors = List.copyOf(errors);
        }
    }

    /**
     * The record was not written now but may be later: the sender retries it.
     *
     * @param reason   {@code kafka_unavailable} or {@code producer_busy}
     * @param recordId the id the record has (assigned ones included), so a retry keeps it
     */
    record Unavailable(String reason, String recordId, String message) implements RecordResult { }

    static Rejected invalid(List<FieldError> errors) {
        return new Rejected("invalid", errors);
    }
}
