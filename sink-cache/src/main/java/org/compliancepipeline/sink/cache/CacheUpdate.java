package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;

/**
 * A consumed value reduced to what the sink writes ({@link CacheDecoder} reads it straight from the
 * Avro bytes): no generated Avro objects, and the enriched record already as the JSON bytes Redis keeps.
 * Ids are not validated here; {@link BatchPlan} refuses the ones that would break the key scheme.
 */
sealed interface CacheUpdate {

    /** An enriched record: its {@code cp:rec:{recordId}} value, ready to send. */
    record Enriched(String recordId, long ingestedAtMillis, byte[] json) implements CacheUpdate { }

    /** The fields of a control status that status.lua and the reader JSON use. */
    record Status(String orgId, String framework, String controlId, ComplianceStatus status, long observedAtMillis,
                  String recordId) implements CacheUpdate { }

    /** A compliance score. */
    record Score(String orgId, String framework, double score, double satisfiedWeight, double applicableWeight,
                 int controlsSatisfied, int controlsPartiallySatisfied, int controlsNotSatisfied, int controlsNotApplicable,
                 int controlsUnknown, long updatedAtMillis) implements CacheUpdate { }

    /** The same from a decoded Avro object (older schema versions, tests). */
    static CacheUpdate of(SpecificRecord value) {
        return switch (value) {
            case EnrichedRecord e -> new Enriched(e.getRecord().getRecordId(), e.getIngestedAt().toEpochMilli(),
                    CacheJson.record(e).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            case ControlStatus s -> new Status(s.getOrgId(), s.getFramework(), s.getControlId(), s.getStatus(),
                    s.getObservedAt().toEpochMilli(), s.getRecordId());
            case ComplianceScore s -> new Score(s.getOrgId(), s.getFramework(), s.getScore(), s.getSatisfiedWeight(), s.getApplicableWeight(),
                    s.getControlsSatisfied(), s.getControlsPartiallySatisfied(), s.getControlsNotSatisfied(), s.getControlsNotApplicable(),
                    s.getControlsUnknown(), s.getUpdatedAt().toEpochMilli());
            default -> throw new IllegalArgumentException("unexpected " + value.getClass().getSimpleName());
        };
    }
}
