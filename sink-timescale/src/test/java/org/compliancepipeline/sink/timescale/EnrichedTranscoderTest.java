package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.SchemaHistory;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnrichedTranscoderTest {

    @Test
    void readsTheCurrentEnrichedRecordSchema() {
        assertThat(EnrichedTranscoder.FINGERPRINT)
                .as("EnrichedRecord changed: teach EnrichedTranscoder the new layout (until then those records take the slower object path)")
                .isEqualTo(AvroSerdes.ENRICHED_RECORD.fingerprint())
                .isEqualTo(SchemaHistory.load("EnrichedRecord").latest().fingerprint());
    }

    @Test
    void producesExactlyTheRowsOfTheObjectPath() {
        EnrichedTranscoder transcoder = new EnrichedTranscoder();
        CopyBinary fast = new CopyBinary(RecordRows.FIELDS);
        CopyBinary objects = new CopyBinary(RecordRows.FIELDS);
        for (int i = 0; i < 5_000; i++) {
            EnrichedRecord e = Enriched.of(i);
            byte[] bytes = AvroSerdes.ENRICHED_RECORD.serialize("t", e);
            assertThat(EnrichedTranscoder.handles(bytes)).isTrue();
            transcoder.append(fast, bytes);
            RecordRows.append(objects, AvroSerdes.ENRICHED_RECORD.deserialize("t", bytes));
        }
        assertThat(fast.finish()).isEqualTo(objects.finish());
    }

    @Test
    void otherVersionsAndGarbageAreNotTakenForIt() {
        byte[] organization = AvroSerdes.ORGANIZATION.serialize("t", org.compliancepipeline.schemas.Organization.newBuilder()
                .setOrgId("a").setName("A").build());
        assertThat(EnrichedTranscoder.handles(organization)).isFalse();
        assertThat(EnrichedTranscoder.handles("{}".getBytes())).isFalse();
        assertThat(EnrichedTranscoder.handles(null)).isFalse();
    }

    @Test
    void truncatedBodiesAreRejectedAsPoison() {
        byte[] bytes = AvroSerdes.ENRICHED_RECORD.serialize("t", Enriched.of(3));
        EnrichedTranscoder transcoder = new EnrichedTranscoder();
        for (int length = 11; length < bytes.length; length += 7) {
            byte[] cut = Arrays.copyOf(bytes, length);
            assertThatThrownBy(() -> transcoder.append(new CopyBinary(RecordRows.FIELDS), cut))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
