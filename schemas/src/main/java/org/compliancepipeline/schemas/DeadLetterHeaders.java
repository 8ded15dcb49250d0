package org.compliancepipeline.schemas;

/**
 * Header names on every dead-letter record, in every dead-letter topic of the system, so one tool
 * can read them all. The value is the original record's bytes, untouched.
 */
public final class DeadLetterHeaders {
    private DeadLetterHeaders() { }

    /** Which stage refused the record, e.g. {@code deserialize}, {@code validate}, {@code sink-timescale}. */
    public static final String STAGE = "dlq.stage";
    /** The rule or error class, e.g. {@code observedAt.future} or {@code org.postgresql.util.PSQLException}. */
    public static final String RULE = "dlq.rule";
    /** Human-readable reason naming the field where there is one. */
    public static final String REASON = "dlq.reason";
    /** The exception class behind the failure, e.g. {@code org.postgresql.util.PSQLException}. */
    public static final String ERROR_CLASS = "dlq.error.class";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";
    /** When the record was dead-lettered, epoch millis as a decimal string. */
    public static final String FAILED_AT = "dlq.failed.at";
}
