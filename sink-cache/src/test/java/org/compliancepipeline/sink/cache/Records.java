package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.sink.runtime.SinkRecord;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Consumed records as the sink runtime hands them to the writer, for tests that call the writer directly. */
final class Records {
    private final CacheSinkConfig config;

    Records(CacheSinkConfig config) {
        this.config = config;
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

    SinkRecord<SpecificRecord> of(ControlStatus s, long offset) {
        return record(config.controlStatusTopic(), Keys.controlStatus(s.getOrgId(), s.getFramework(), s.getControlId()), s, offset);
    }

    SinkRecord<SpecificRecord> of(ComplianceScore s, long offset) {
        return record(config.scoresTopic(), Keys.score(s.getOrgId(), s.getFramework()), s, offset);
    }

    SinkRecord<SpecificRecord> of(org.compliancepipeline.schemas.EnrichedRecord e, long offset) {
        return record(config.enrichedTopic(), e.getRecord().getOrgId(), e, offset);
    }

    SinkRecord<SpecificRecord> statusTombstone(String org, String control, long offset) {
        return record(config.controlStatusTopic(), Keys.controlStatus(org, "nist-800-53-r5", control), null, offset);
    }

    SinkRecord<SpecificRecord> scoreTombstone(String org, long offset) {
        return record(config.scoresTopic(), Keys.score(org, "nist-800-53-r5"), null, offset);
    }

    SinkRecord<SpecificRecord> record(String topic, String key, SpecificRecord value, long offset) {
        return new SinkRecord<>(topic, 0, offset, 0L, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : new byte[]{0}, value, new RecordHeaders());
    }
}
