package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The enriched topic's serializer writes exactly what the regular Avro serializer writes. */
class EnrichedSerializerTest {
    private final EnrichedSerializer serializer = new EnrichedSerializer();

    @Test
    void copiesTheRecordBodyAndGivesTheBytesOfTheRegularSerializer() {
        Random random = new Random(11);
        ControlContext[] controls = {
                null,
                new ControlContext("Account Management", "ac", "Access Control", null, List.of("LOW", "MODERATE"), 1.0,
                        "The organization manages accounts: ‘quoted’ — أحمد"),
                new ControlContext("Automated Account Management", "ac", null, "ac-2", List.of(), 0.5, null)};
        OrganizationContext[] orgs = {null, new OrganizationContext("Acme Corp", "technology", null),
                new OrganizationContext("بنك الرياض", null, "sa-riyadh")};
        for (int i = 0; i < 2_000; i++) {
            ComplianceRecord record = record(i, random);
            byte[] received = AvroSerdes.COMPLIANCE_RECORD.serialize("in", record);
            List<EnrichmentFlag> flags = switch (i % 4) {
                case 0 -> List.of();
                case 1 -> List.of(EnrichmentFlag.UNKNOWN_CONTROL);
                case 2 -> List.of(EnrichmentFlag.UNKNOWN_CONTROL, EnrichmentFlag.UNKNOWN_ORG);
                default -> List.of(EnrichmentFlag.FRAMEWORK_NOT_ADOPTED);
            };
            EnrichedRecord e = new EnrichedRecord(AvroSerdes.COMPLIANCE_RECORD.deserialize("in", received),
                    controls[i % 3], orgs[(i / 3) % 3], flags,
                    Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(1 << 30)), Instant.ofEpochMilli(random.nextLong(1L << 50)));

            byte[] fast = serializer.serialize("out", new Enriched(e, received));

            assertThat(fast).as("record %d", i).isEqualTo(AvroSerdes.ENRICHED_RECORD.serialize("out", e));
            assertThat(AvroSerdes.ENRICHED_RECORD.deserialize("out", fast)).isEqualTo(e);
        }
    }

    @Test
    void withoutTheInputBytesOrWithAnotherSchemaItEncodesTheRecord() {
        EnrichedRecord e = new EnrichedRecord(record(1, new Random(1)), null, null, List.of(EnrichmentFlag.UNKNOWN_ORG),
                Instant.ofEpochMilli(5), Instant.ofEpochMilli(6));
        byte[] expected = AvroSerdes.ENRICHED_RECORD.serialize("out", e);
        assertThat(serializer.serialize("out", new Enriched(e, null))).isEqualTo(expected);

        byte[] olderSchema = AvroSerdes.COMPLIANCE_RECORD.serialize("in", e.getRecord());
        olderSchema[5] ^= 0x55;                          // another fingerprint: not the current ComplianceRecord schema
        assertThat(serializer.serialize("out", new Enriched(e, olderSchema))).isEqualTo(expected);
        assertThat(serializer.serialize("out", null)).isNull();
    }

    /** Records with every optional field present or absent; at most one tag, so map order cannot differ. */
    private static ComplianceRecord record(int i, Random random) {
        ComplianceRecord.Builder b = ComplianceRecord.newBuilder()
                .setRecordId("rec-" + i + "-" + Long.toHexString(random.nextLong()))
                .setOrgId("org-" + (i % 7)).setFramework("nist-800-53-r5").setControlId("ac-" + (1 + i % 25))
                .setStatus(ComplianceStatus.values()[i % ComplianceStatus.values().length])
                .setObservedAt(Instant.ofEpochMilli(1_600_000_000_000L + random.nextInt(Integer.MAX_VALUE)))
                .setSource("scanner-" + (i % 3))
                .setMethod(org.compliancepipeline.schemas.AssessmentMethod.values()[i % 3])
                .setTitle("Finding " + i + (i % 5 == 0 ? " — مراجعة" : ""))
                .setDescription(i % 2 == 0 ? null : "Description " + "x".repeat(i % 300));
        if (i % 3 == 0) b.setObjectiveId("ac-1_obj." + i);
        if (i % 4 == 0) b.setScore(random.nextDouble() * 100);
        if (i % 5 == 0) b.setSubject("host-" + i);
        if (i % 6 == 0) b.setEvidenceUris(List.of("https://evidence.example/" + i, "s3://bucket/" + i));
        if (i % 7 == 0) b.setTags(Map.of("env", "prod-" + i));
        return b.build();
    }
}
