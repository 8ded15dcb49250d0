package org.compliancepipeline.schemas;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Realistic values of every record type, shared by the tests of this module. */
final class Samples {
    private Samples() { }

    static final Instant OBSERVED = Instant.parse("2026-11-25T08:31:00Z");

    static ComplianceRecord record() {
        return ComplianceRecord.newBuilder()
                .setRecordId("0193f1c2-7a4e-7c3b-9a51-1f2e3d4c5b6a").setOrgId("acme").setFramework("nist-800-53-r5")
                .setControlId("ac-6.1").setObjectiveId("ac-6.1_obj").setStatus(ComplianceStatus.NOT_SATISFIED)
                .setScore(42.5).setObservedAt(OBSERVED).setSource("scanner-7").setMethod(AssessmentMethod.AUTOMATED)
                .setSubject("host-17.acme.example").setTitle("Privileged functions are not restricted")
                .setDescription("وصول المستخدم أحمد إلى وظائف الأمان غير مقيد")
                .setEvidenceUris(List.of("https://evidence.acme.example/runs/42"))
                .setTags(Map.of("env", "prod", "team", "platform"))
                .build();
    }

    static EnrichedRecord enriched() {
        return EnrichedRecord.newBuilder()
                .setRecord(record())
                .setControl(ControlContext.newBuilder().setTitle("Authorize Access to Security Functions").setFamily("ac")
                        .setFamilyTitle("Access Control").setParentControlId("ac-6").setBaselines(List.of("MODERATE"))
                        .setWeight(2.0).build())
                .setOrganization(OrganizationContext.newBuilder().setName("Acme Corp").setSector("finance").setRegion("riyadh").build())
                .setFlags(List.of())
                .setIngestedAt(OBSERVED.plusSeconds(1)).setEnrichedAt(OBSERVED.plusSeconds(2))
                .build();
    }

    static ControlDefinition control() {
        return ControlDefinition.newBuilder().setFramework("nist-800-53-r5").setControlId("ac-6.1")
                .setTitle("Authorize Access to Security Functions").setFamily("ac").setFamilyTitle("Access Control")
                .setParentControlId("ac-6").setStatement("Authorize access for individuals and roles to security functions.")
                .setObjectives(List.of("ac-06.01_odp.01")).setBaselines(List.of("MODERATE", "HIGH")).setWeight(2.0)
                .build();
    }

    static Organization organization() {
        return Organization.newBuilder().setOrgId("acme").setName("Acme Corp").setSector("finance").setRegion("riyadh")
                .setFrameworks(List.of("nist-800-53-r5")).build();
    }

    static ControlStatus controlStatus() {
        return ControlStatus.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setControlId("ac-6.1")
                .setStatus(ComplianceStatus.PARTIALLY_SATISFIED).setObservedAt(OBSERVED).setRecordId("r-1").setScore(null)
                .setFamily("ac").setWeight(2.0).setUpdatedAt(OBSERVED.plusSeconds(3)).build();
    }

    static ComplianceScore score() {
        return ComplianceScore.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setScore(87.5)
                .setSatisfiedWeight(175).setApplicableWeight(200).setControlsSatisfied(170).setControlsPartiallySatisfied(10)
                .setControlsNotSatisfied(20).setControlsNotApplicable(3).setControlsUnknown(1)
                .setUpdatedAt(OBSERVED).build();
    }

    static ComplianceStats stats() {
        return ComplianceStats.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5")
                .setStatus(ComplianceStatus.SATISFIED).setFamily("ac")
                .setWindowStart(Instant.parse("2026-11-25T08:00:00Z")).setWindowEnd(Instant.parse("2026-11-25T09:00:00Z"))
                .setCount(1234).build();
    }
}
