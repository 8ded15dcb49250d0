package org.compliancepipeline.sink.cache;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;
import org.compliancepipeline.schemas.SchemaHistory;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The decoder reads the Avro bytes itself: it must give exactly what the Avro objects give. */
class CacheDecoderTest {
    private final CacheSinkConfig config = CacheSinkConfig.fromEnv(new Env(Map.of()));
    private final CacheDecoder decoder = new CacheDecoder(config);

    @Test
    void enrichedRecordsBecomeTheSameJsonBytesAsTheObjectPath() {
        Workload w = new Workload(3, 6, 8, 3, Instant.parse("2026-11-25T08:00:00Z"));
        List<EnrichedRecord> records = new java.util.ArrayList<>(w.records);
        records.addAll(edgeCases());
        for (EnrichedRecord e : records) {
            byte[] bytes = AvroSerdes.ENRICHED_RECORD.serialize("t", e);
            CacheUpdate.Enriched fast = (CacheUpdate.Enriched) decode(config.enrichedTopic(), bytes);
            // the object path: Avro objects, Jackson, then UTF-8 as Lettuce encoded the string
            String objectPath = CacheJson.record(AvroSerdes.ENRICHED_RECORD.deserialize("t", bytes));
            assertThat(fast.json()).as(objectPath).isEqualTo(objectPath.getBytes(StandardCharsets.UTF_8));
            assertThat(fast.recordId()).isEqualTo(e.getRecord().getRecordId());
            assertThat(fast.ingestedAtMillis()).isEqualTo(e.getIngestedAt().toEpochMilli());
        }
    }

    @Test
    void aRecordWrittenWithTheFirstSchemaVersionTakesTheObjectPathAndGivesTheSameJson() throws Exception {
        EnrichedRecord e = edgeCases().getFirst();
        SchemaHistory.Released v1 = SchemaHistory.load(EnrichedRecord.getClassSchema()).versions().getFirst();
        assertThat(v1.version()).isEqualTo(1);
        byte[] bytes = singleObject(v1.schema(), v1.fingerprint(), e);
        CacheUpdate.Enriched old = (CacheUpdate.Enriched) decode(config.enrichedTopic(), bytes);
        assertThat(new String(old.json(), StandardCharsets.UTF_8)).isEqualTo(CacheJson.record(AvroSerdes.ENRICHED_RECORD.deserialize("t", bytes)))
                .doesNotContain("statement");
    }

    @Test
    void statusesAndScoresCarryTheirFields() {
        Random random = new Random(5);
        for (int i = 0; i < 200; i++) {
            ControlStatus s = Workload.status("org-" + i, "iso-27001", "ac-" + i, Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt()),
                    "r-" + i, random);
            if (i % 3 == 0) s.setFamily(null);
            assertThat(decode(config.controlStatusTopic(), AvroSerdes.CONTROL_STATUS.serialize("t", s))).isEqualTo(CacheUpdate.of(s));
            ComplianceScore score = Workload.score("org-" + i, "nist-800-53-r5", Instant.ofEpochMilli(1_700_000_000_000L + i), random);
            if (i % 5 == 0) score.setControlsPartiallySatisfied(-i);
            assertThat(decode(config.scoresTopic(), AvroSerdes.COMPLIANCE_SCORE.serialize("t", score))).isEqualTo(CacheUpdate.of(score));
        }
    }

    @Test
    void corruptOrTruncatedBytesFailAndTheNextRecordDecodesAgain() {
        byte[] good = AvroSerdes.ENRICHED_RECORD.serialize("t", edgeCases().get(1));
        for (int cut : new int[]{11, good.length / 2, good.length - 1}) {
            assertThatThrownBy(() -> decode(config.enrichedTopic(), Arrays.copyOf(good, cut))).isInstanceOf(SerializationException.class)
                    .hasMessageContaining("EnrichedRecord");
        }
        byte[] trailing = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> decode(config.enrichedTopic(), trailing)).isInstanceOf(SerializationException.class).hasMessageContaining("trailing");
        byte[] status = AvroSerdes.CONTROL_STATUS.serialize("t", Workload.status("a", "b", "c", Instant.EPOCH, "r", new Random(1)));
        assertThatThrownBy(() -> decode(config.controlStatusTopic(), Arrays.copyOf(status, status.length - 3))).isInstanceOf(SerializationException.class);
        assertThatThrownBy(() -> decode(config.scoresTopic(), new byte[]{1, 2, 3})).isInstanceOf(SerializationException.class)
                .hasMessageContaining("not Avro single-object encoded");
        // after a failure mid-record, the next record is whole again
        assertThat(new String(((CacheUpdate.Enriched) decode(config.enrichedTopic(), good)).json(), StandardCharsets.UTF_8))
                .isEqualTo(CacheJson.record(edgeCases().get(1)));
    }

    @Test
    void timesAreWrittenAsInstantWritesThem() {
        Random random = new Random(11);
        List<Long> samples = new java.util.ArrayList<>(List.of(0L, 1L, 999L, 1000L, 86_399_999L, 86_400_000L, -1L, -86_400_001L,
                253_402_300_799_999L, 253_402_300_800_000L, Long.MAX_VALUE / 1000, Long.MIN_VALUE / 1000, 1_764_057_600_000L));
        for (int i = 0; i < 100_000; i++) {
            samples.add(random.nextLong(-100_000_000_000_000L, 300_000_000_000_000L));
            samples.add(1_700_000_000_000L + random.nextLong(1_000_000_000_000L) / (random.nextBoolean() ? 1 : 1000) * (random.nextBoolean() ? 1 : 1000));
        }
        for (long ms : samples) assertThat(CacheJson.iso(ms)).as("%d", ms).isEqualTo(Instant.ofEpochMilli(ms).toString());
    }

    private CacheUpdate decode(String topic, byte[] bytes) {
        return decoder.decode(topic, new RecordHeaders(), bytes);
    }

    /** Text that needs escaping, non-ASCII and astral characters, every optional part absent or present, a v2 statement. */
    static List<EnrichedRecord> edgeCases() {
        Instant t = Instant.parse("2026-11-25T08:00:00.123Z");
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("zeta", "last");
        tags.put("Alpha", "upper \u0001 \u001f \u007f");
        tags.put("ünï", "😀 \"x\" \\ / \u2028");
        tags.put("", "");
        ComplianceRecord full = ComplianceRecord.newBuilder().setRecordId("urn:rec:1").setOrgId("acme").setFramework("nist-800-53-r5")
                .setControlId("ac-6.1").setObjectiveId("ac-6.1_obj").setStatus(ComplianceStatus.PARTIALLY_SATISFIED).setScore(66.66666666666667)
                .setObservedAt(t).setSource("scanner \"7\"\r\n\t\b\f").setMethod(AssessmentMethod.AUTOMATED).setSubject("höst-1")
                .setTitle("Ĉu 中文 𝄞 \ud800x \udc00").setDescription("line\nline").setEvidenceUris(List.of("https://e.example/a?b=c&d", "s3://x/ÿ"))
                .setTags(tags).build();
        ComplianceRecord bare = ComplianceRecord.newBuilder().setRecordId("r-2").setOrgId("o").setFramework("f").setControlId("c")
                .setObjectiveId(null).setStatus(ComplianceStatus.NOT_APPLICABLE).setScore(null).setObservedAt(Instant.EPOCH).setSource("s")
                .setMethod(AssessmentMethod.EXAMINE).setEvidenceUris(List.of()).setTags(Map.of()).build();
        ControlContext control = ControlContext.newBuilder().setTitle("T").setFamily("ac").setFamilyTitle(null).setParentControlId("ac-6")
                .setBaselines(List.of("LOW", "HIGH")).setWeight(2.5).setStatement("The organization ... \"quoted\"").build();
        ControlContext plain = ControlContext.newBuilder().setTitle("T2").setFamily("ac").setFamilyTitle("Access").setBaselines(List.of())
                .setWeight(1e-7).build();
        ComplianceRecord odd = ComplianceRecord.newBuilder(bare).setRecordId("r-3").setScore(Double.NaN).setTags(Map.of("k", "v")).build();
        ControlContext infinite = ControlContext.newBuilder(plain).setWeight(Double.NEGATIVE_INFINITY).setBaselines(List.of("ÅÄ")).build();
        OrganizationContext org = OrganizationContext.newBuilder().setName("Acmé").setSector(null).setRegion("eu").build();
        return List.of(
                EnrichedRecord.newBuilder().setRecord(full).setControl(control).setOrganization(org)
                        .setFlags(List.of(EnrichmentFlag.UNKNOWN_ORG, EnrichmentFlag.OTHER)).setIngestedAt(t).setEnrichedAt(t.plusMillis(1)).build(),
                EnrichedRecord.newBuilder().setRecord(bare).setControl(null).setOrganization(null).setFlags(List.of())
                        .setIngestedAt(Instant.ofEpochMilli(-1)).setEnrichedAt(Instant.ofEpochSecond(4_102_444_800L)).build(),
                EnrichedRecord.newBuilder().setRecord(bare).setControl(plain).setOrganization(org).setFlags(List.of(EnrichmentFlag.UNKNOWN_CONTROL))
                        .setIngestedAt(t).setEnrichedAt(t).build(),
                EnrichedRecord.newBuilder().setRecord(odd).setControl(infinite).setOrganization(null).setFlags(List.of())
                        .setIngestedAt(Instant.parse("+12026-01-01T00:00:00.5Z")).setEnrichedAt(Instant.parse("1969-12-31T23:59:59.999Z")).build());
    }

    /** Single-object encoding with another writer schema (fields are written by position, so v1 is v2 without the statement). */
    private static byte[] singleObject(Schema schema, long fingerprint, EnrichedRecord e) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0xC3);
        out.write(0x01);
        for (int i = 0; i < 8; i++) out.write((int) (fingerprint >>> (8 * i)) & 0xFF);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<Object>(schema, SpecificData.get()).write(e, encoder);
        encoder.flush();
        return out.toByteArray();
    }
}
