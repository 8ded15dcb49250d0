package org.compliancepipeline.schemas;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.util.List;
import java.util.Map;

/**
 * The one catalogue of the system's topics. Names are versioned: a breaking change of key or
 * layout gets a new topic ({@code .v2}), never a silent change of an existing one.
 *
 * <p>Keys are strings built by {@link Keys}, so every record of one organisation lands in one
 * partition and per-org ordering holds end to end.
 */
public final class Topics {
    private Topics() { }

    private static final Serde<String> KEY = Serdes.String();
    private static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0");
    private static final Map<String, String> WEEK = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    private static final Map<String, String> MONTH = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(30L * 24 * 3600 * 1000));
    private static final Map<String, String> YEAR = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(365L * 24 * 3600 * 1000));

    /** Raw records from producers (ingest API or straight from Kafka), keyed by orgId. */
    public static final Topic<String, ComplianceRecord> RECORDS =
            new Topic<>("compliance.records.v1", KEY, AvroSerdes.COMPLIANCE_RECORD, 12, WEEK);

    /** Input the stream processor could not accept: original bytes, reason in headers ({@link DeadLetterHeaders}). */
    public static final Topic<byte[], byte[]> RECORDS_DLQ =
            new Topic<>("compliance.records.dlq.v1", Serdes.ByteArray(), Serdes.ByteArray(), 3, MONTH);

    /** Control catalog, keyed framework:controlId, compacted. */
    public static final Topic<String, ControlDefinition> CONTROLS =
            new Topic<>("compliance.controls.v1", KEY, AvroSerdes.CONTROL_DEFINITION, 3, COMPACTED);

    /** Organisation registry, keyed orgId, compacted. */
    public static final Topic<String, Organization> ORGS =
            new Topic<>("compliance.orgs.v1", KEY, AvroSerdes.ORGANIZATION, 3, COMPACTED);

    /** Validated, deduplicated, enriched records, keyed by orgId. */
    public static final Topic<String, EnrichedRecord> ENRICHED =
            new Topic<>("compliance.records.enriched.v1", KEY, AvroSerdes.ENRICHED_RECORD, 12, WEEK);

    /** Latest status per org/framework/control, compacted. */
    public static final Topic<String, ControlStatus> CONTROL_STATUS =
            new Topic<>("compliance.control-status.v1", KEY, AvroSerdes.CONTROL_STATUS, 12, COMPACTED);

    /** Score per org/framework, compacted. */
    public static final Topic<String, ComplianceScore> SCORES =
            new Topic<>("compliance.scores.v1", KEY, AvroSerdes.COMPLIANCE_SCORE, 12, COMPACTED);

    /** Hourly counts per org/framework/status/family window, keyed by {@link Keys#hourlyStats}. */
    public static final Topic<String, ComplianceStats> STATS_HOURLY =
            new Topic<>("compliance.stats.hourly.v1", KEY, AvroSerdes.COMPLIANCE_STATS, 12, MONTH);

    /** Records a sink could not store (poison): original bytes, reason in headers ({@link DeadLetterHeaders}). */
    public static final Topic<byte[], byte[]> SINK_TIMESCALE_DLQ =
            new Topic<>("compliance.sink-timescale.dlq.v1", Serdes.ByteArray(), Serdes.ByteArray(), 3, MONTH);
    public static final Topic<byte[], byte[]> SINK_SEARCH_DLQ =
            new Topic<>("compliance.sink-search.dlq.v1", Serdes.ByteArray(), Serdes.ByteArray(), 3, MONTH);
    public static final Topic<byte[], byte[]> SINK_CACHE_DLQ =
            new Topic<>("compliance.sink-cache.dlq.v1", Serdes.ByteArray(), Serdes.ByteArray(), 3, MONTH);

    /** Audit trail of the query API: one record per query answered or refused, keyed by the API key's id. */
    public static final Topic<String, QueryAudit> QUERY_AUDIT =
            new Topic<>("compliance.query-audit.v1", KEY, AvroSerdes.QUERY_AUDIT, 3, YEAR);

    public static List<Topic<?, ?>> all() {
        return List.of(RECORDS, RECORDS_DLQ, CONTROLS, ORGS, ENRICHED, CONTROL_STATUS, SCORES, STATS_HOURLY,
                SINK_TIMESCALE_DLQ, SINK_SEARCH_DLQ, SINK_CACHE_DLQ, QUERY_AUDIT);
    }
}
