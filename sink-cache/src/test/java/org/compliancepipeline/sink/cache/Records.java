package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.sink.runtime.SinkRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Consumed records as the sink runtime hands them to the writer, for tests that call the writer directly:
 * each value is Avro-encoded and read back by the sink's own {@link CacheDecoder}.
 */
final class Records {
    private final CacheSinkConfig config;
    private final CacheDecoder decoder;

    Records(CacheSinkConfig config) {
        this.config = config;
        this.decoder = new CacheDecoder(config);
    }

    static ControlStatus status(String org, String control, ComplianceStatus status, Instant observedAt, String recordId) {
        return ControlStatus.newBuilder().setOrgId(org).setFramework("nist-800-53-r5").setControlId(control).setStatus(status)
                .setObservedAt(observedAt).setRecordId(recordId).setFamily("ac").setWeight(1).setUpdatedAt(observedAt.plusSeconds(1)).build();
    }

    static ComplianceScore score(String org, double score, Instant updatedAt) {
        return ComplianceScore.newBuilder().setOrgId(org).setFramework("nist-800-53-r5").setScore(score)
                .setSatisfiedWeight(score / 10).setApplicableWeight(10).setControlsSatisfied((int) (score / 10))
                .setControlsNotSatisfied(10 - (int) (score / 10)).setUpdatedAt(updatedAt).build();
    }

    SinkRecord<CacheUpdate> of(ControlStatus s, long offset) {
        return record(config.controlStatusTopic(), Keys.controlStatus(s.getOrgId(), s.getFramework(), s.getControlId()), s, offset);
    }

    SinkRecord<CacheUpdate> of(ComplianceScore s, long offset) {
        return record(config.scoresTopic(), Keys.score(s.getOrgId(), s.getFramework()), s, offset);
    }

    SinkRecord<CacheUpdate> of(org.compliancepipeline.schemas.EnrichedRecord e, long offset) {
        return record(config.enrichedTopic(), e.getRecord().getOrgId(), e, offset);
    }

    SinkRecord<CacheUpdate> statusTombstone(String org, String control, long offset) {
        return record(config.controlStatusTopic(), Keys.controlStatus(org, "nist-800-53-r5", control), null, offset);
    }

    SinkRecord<CacheUpdate> scoreTombstone(String org, long offset) {
        return record(config.scoresTopic(), Keys.score(org, "nist-800-53-r5"), null, offset);
    }

    SinkRecord<CacheUpdate> record(String topic, String key, SpecificRecord value, long offset) {
        byte[] bytes = switch (value) {
            case null -> null;
            case org.compliancepipeline.schemas.EnrichedRecord e -> AvroSerdes.ENRICHED_RECORD.serialize(topic, e);
            case ControlStatus s -> AvroSerdes.CONTROL_STATUS.serialize(topic, s);
            case ComplianceScore s -> AvroSerdes.COMPLIANCE_SCORE.serialize(topic, s);
            default -> throw new IllegalArgumentException(value.getClass().getName());
        };
        return new SinkRecord<>(topic, 0, offset, 0L, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                bytes, bytes == null ? null : decoder.decode(topic, new RecordHeaders(), bytes), new RecordHeaders());
    }
}
