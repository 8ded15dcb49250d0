package org.compliancepipeline.sink.search;

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

/**
 * Enriched records as the stream processor writes them: English and Arabic text, awkward
 * characters, optional fields missing, unknown controls and orgs, tags; observedAt one minute
 * apart from T0, so 60,000 records span two calendar months (two monthly indices).
 */
final class Enriched {
    private Enriched() { }

    static final Instant T0 = Instant.parse("2026-11-10T08:00:00Z");

    static EnrichedRecord of(int i) {
        boolean unknownControl = i % 50 == 7;
        boolean unknownOrg = i % 13 == 12;
        ComplianceRecord r = ComplianceRecord.newBuilder()
                .setRecordId("rec-" + i).setOrgId("org-" + (i % 13)).setFramework(i % 10 == 9 ? "nca-ecc-2" : "nist-800-53-r5")
                .setControlId("ac-" + (i % 40 + 1)).setObjectiveId(i % 3 == 0 ? "ac-" + (i % 40 + 1) + "_obj" : null)
                .setStatus(ComplianceStatus.values()[i % 5]).setScore(i % 4 == 0 ? null : (double) (i % 101))
                .setObservedAt(T0.plusSeconds(i * 60L).plusMillis(123)).setSource("scanner-" + (i % 3))
                .setMethod(AssessmentMethod.values()[i % 4])
                .setSubject(i % 2 == 0 ? "host-" + i + ".acme.example" : null)
                .setTitle(title(i))
                .setDescription(i % 7 == 0 ? "وصول المستخدم أحمد\nline two\r\n{\"json\": [1,2]}" : "Finding number " + i + " of the quarterly review")
                .setEvidenceUris(i % 6 == 0 ? List.of() : List.of("https://evidence.example/" + i, "s3://bucket/path,with \"comma\" " + i))
                .setTags(i % 8 == 0 ? Map.of() : Map.of("env", i % 2 == 0 ? "prod" : "staging", "quote\"key", "value\\with\ttab"))
                .build();
        return EnrichedRecord.newBuilder()
                .setRecord(r)
                .setControl(unknownControl ? null : ControlContext.newBuilder().setTitle("Access Enforcement " + (i % 40))
                        .setFamily(i % 3 == 0 ? "au" : "ac").setFamilyTitle("Access Control").setParentControlId(i % 2 == 0 ? "ac-6" : null)
                        .setBaselines(List.of("LOW", "MODERATE")).setWeight(1.0 + (i % 3))
                        .setStatement(i % 4 == 0 ? null : "Enforce approved authorizations for logical access to information and system resources.").build())
                .setOrganization(unknownOrg ? null : OrganizationContext.newBuilder().setName("Org " + (i % 13))
                        .setSector(i % 2 == 0 ? "finance" : null).setRegion(i % 4 == 1 ? "jeddah" : "riyadh").build())
                .setFlags(unknownControl ? List.of(EnrichmentFlag.UNKNOWN_CONTROL) : unknownOrg ? List.of(EnrichmentFlag.UNKNOWN_ORG) : List.of())
                .setIngestedAt(T0.plusSeconds(i * 60L).plusMillis(500)).setEnrichedAt(T0.plusSeconds(i * 60L).plusMillis(900))
                .build();
    }

    private static String title(int i) {
        return switch (i % 5) {
            case 0 -> "Quote \" backslash \\ tab\tend " + i;
            case 1 -> "Privileged access review " + i;
            case 2 -> "Encryption at rest verified " + i;
            case 3 -> "صلاحيات المستخدمين " + i;
            default -> "Account management check " + i;
        };
    }
}
