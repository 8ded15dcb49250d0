package org.compliancepipeline.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AvroSerdeTest {

    record Case<T extends SpecificRecord>(AvroSerde<T> serde, T value) {
        @Override public String toString() { return serde.type().getSimpleName(); }
    }

    static Stream<Case<?>> everyType() {
        return Stream.of(
                new Case<>(AvroSerdes.COMPLIANCE_RECORD, Samples.record()),
                new Case<>(AvroSerdes.ENRICHED_RECORD, Samples.enriched()),
                new Case<>(AvroSerdes.CONTROL_DEFINITION, Samples.control()),
                new Case<>(AvroSerdes.ORGANIZATION, Samples.organization()),
                new Case<>(AvroSerdes.CONTROL_STATUS, Samples.controlStatus()),
                new Case<>(AvroSerdes.COMPLIANCE_SCORE, Samples.score()),
                new Case<>(AvroSerdes.COMPLIANCE_STATS, Samples.stats()));
    }

    @ParameterizedTest(name = "{0} survives a round trip")
    @MethodSource("everyType")
    <T extends SpecificRecord> void roundTrip(Case<T> c) {
        byte[] bytes = c.serde().serialize("t", c.value());
        assertThat(c.serde().deserialize("t", bytes)).isEqualTo(c.value());
    }

    @ParameterizedTest(name = "{0} is written with the single-object header and its fingerprint")
    @MethodSource("everyType")
    <T extends SpecificRecord> void singleObjectHeader(Case<T> c) {
        byte[] bytes = c.serde().serialize("t", c.value());
        assertThat(bytes[0]).isEqualTo((byte) 0xC3);
        assertThat(bytes[1]).isEqualTo((byte) 0x01);
        long fp = 0;
        for (int i = 9; i >= 2; i--) fp = (fp << 8) | (bytes[i] & 0xFFL);
        assertThat(fp).isEqualTo(c.serde().fingerprint());
    }

    @Test
    void nullIsATombstoneBothWays() {
        assertThat(AvroSerdes.CONTROL_DEFINITION.serialize("t", null)).isNull();
        assertThat(AvroSerdes.CONTROL_DEFINITION.deserialize("t", null)).isNull();
    }

    @Test
    void garbageBytesAreRejectedWithTheReason() {
        byte[] garbage = "{\"orgId\":\"acme\"}".getBytes();
        assertThatThrownBy(() -> AvroSerdes.COMPLIANCE_RECORD.deserialize("compliance.records.v1", garbage))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("ComplianceRecord")
                .hasMessageContaining("compliance.records.v1")
                .hasMessageContaining("not Avro single-object encoded");
    }

    @Test
    void tooShortForAHeaderIsRejected() {
        assertThatThrownBy(() -> AvroSerdes.COMPLIANCE_RECORD.deserialize("t", new byte[]{(byte) 0xC3, 0x01, 5}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("not Avro single-object encoded");
    }

    @Test
    void unknownFingerprintIsRejectedNamingTheKnownVersions() {
        byte[] bytes = AvroSerdes.COMPLIANCE_RECORD.serialize("t", Samples.record());
        bytes[5] ^= 0x5A;
        assertThatThrownBy(() -> AvroSerdes.COMPLIANCE_RECORD.deserialize("t", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown schema fingerprint")
                .hasMessageContaining("v1=0x");
    }

    @Test
    void aRecordOfAnotherTypeIsAnUnknownFingerprintNotAMisread() {
        byte[] org = AvroSerdes.ORGANIZATION.serialize("t", Samples.organization());
        assertThatThrownBy(() -> AvroSerdes.COMPLIANCE_RECORD.deserialize("t", org))
                .isInstanceOf(SerializationException.class).hasMessageContaining("unknown schema fingerprint");
    }

    @ParameterizedTest(name = "{0}: every truncation fails cleanly")
    @MethodSource("everyType")
    <T extends SpecificRecord> void truncatedBodiesNeverYieldAHalfReadRecord(Case<T> c) {
        byte[] bytes = c.serde().serialize("t", c.value());
        for (int length = 10; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> c.serde().deserialize("t", cut))
                    .as("truncated to %d of %d bytes", length, bytes.length)
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining(c.serde().type().getSimpleName());
        }
    }

    @Test
    void trailingBytesAreRejected() {
        byte[] bytes = AvroSerdes.ORGANIZATION.serialize("t", Samples.organization());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
        assertThatThrownBy(() -> AvroSerdes.ORGANIZATION.deserialize("t", longer))
                .isInstanceOf(SerializationException.class).hasMessageContaining("trailing bytes");
    }

    @Test
    void corruptBodyWithAValidHeaderIsRejected() {
        byte[] bytes = AvroSerdes.COMPLIANCE_RECORD.serialize("t", Samples.record());
        // Overwrite the body with a huge negative string length.
        byte[] corrupt = Arrays.copyOf(bytes, 20);
        Arrays.fill(corrupt, 10, 20, (byte) 0xFF);
        assertThatThrownBy(() -> AvroSerdes.COMPLIANCE_RECORD.deserialize("t", corrupt))
                .isInstanceOf(SerializationException.class).hasMessageContaining("ComplianceRecord");
    }

    @Test
    void recordsWrittenWithAnOlderReleasedVersionAreResolvedToTheCurrentClass() {
        // An older writer schema that lacked the optional fields: the reader fills their defaults.
        Schema oldOrg = SchemaBuilder.record("Organization").namespace("org.compliancepipeline.schemas").fields()
                .requiredString("orgId").requiredString("name").endRecord();
        SchemaHistory history = new SchemaHistory("Organization", java.util.List.of(
                SchemaHistory.Released.of(1, oldOrg),
                SchemaHistory.Released.of(2, Organization.getClassSchema())));
        AvroSerde<Organization> serde = new AvroSerde<>(Organization.class, Organization.getClassSchema(), history);

        var old = new org.apache.avro.generic.GenericData.Record(oldOrg);
        old.put("orgId", "acme");
        old.put("name", "Acme Corp");
        byte[] bytes = GenericEncoding.encode(oldOrg, old);

        Organization read = serde.deserialize("t", bytes);
        assertThat(read.getOrgId()).isEqualTo("acme");
        assertThat(read.getSector()).isNull();
        assertThat(read.getFrameworks()).isEmpty();
    }
}
