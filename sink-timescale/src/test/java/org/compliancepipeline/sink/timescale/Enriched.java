package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Enriched records as the stream processor writes them, with the awkward values real data has. */
final class Enriched {
    private Enriched() { }

    static final Instant T0 = Instant.parse("2026-11-25T08:00:00Z");

    static EnrichedRecord of(int i) {
        boolean unknownControl = i % 50 == 7;
        ComplianceRecord r = ComplianceRecord.newBuilder()
                .setRecordId("rec-" + i).setOrgId("org-" + (i % 13)).setFramework("nist-800-53-r5")
                .setControlId("ac-" + (i % 40 + 1)).setObjectiveId(i % 3 == 0 ? "ac-" + (i % 40 + 1) + "_obj" : null)
                .setStatus(ComplianceStatus.values()[i % 5]).setScore(i % 4 == 0 ? null : (double) (i % 101))
                .setObservedAt(T0.plusMillis(i * 1000L + 123)).setSource("scanner-" + (i % 3))
                .setMethod(AssessmentMethod.values()[i % 4])
                .setSubject(i % 2 == 0 ? "host-" + i + ".acme.example" : null)
                .setTitle(i % 5 == 0 ? "Quote \" backslash \\ tab\tend" : "Privileged access review " + i)
                .setDescription(i % 7 == 0 ? "وصول المستخدم أحمد\nline two\r\n{\"json\": [1,2]}" : "Finding number " + i)
                .setEvidenceUris(i % 6 == 0 ? List.of() : List.of("https://evidence.example/" + i, "s3://bucket/path,with \"comma\" " + i))
                .setTags(i % 8 == 0 ? Map.of() : Map.of("env", i % 2 == 0 ? "prod" : "staging", "quote\"key", "value\\with\ttab", "app", "billing-" + (i % 3)))
                .build();
        return EnrichedRecord.newBuilder()
                .setRecord(r)
                .setControl(unknownControl ? null : ControlContext.newBuilder().setTitle("Access Enforcement " + (i % 40))
                        .setFamily("ac").setFamilyTitle("Access Control").setParentControlId(i % 2 == 0 ? "ac-6" : null)
                        .setBaselines(List.of("LOW", "MODERATE")).setWeight(1.0 + (i % 3))
                        .setStatement(i % 4 == 0 ? null : "The system enforces approved authorizations for logical access " + i).build())
                .setOrganization(i % 13 == 12 ? null : OrganizationContext.newBuilder().setName("Org " + (i % 13))
                        .setSector(i % 2 == 0 ? "finance" : null).setRegion("riyadh").build())
                .setFlags(unknownControl ? List.of(EnrichmentFlag.UNKNOWN_CONTROL) : i % 13 == 12 ? List.of(EnrichmentFlag.UNKNOWN_ORG) : List.of())
                .setIngestedAt(T0.plusMillis(i * 1000L + 500)).setEnrichedAt(T0.plusMillis(i * 1000L + 900))
                .build();
    }
}
