package org.compliancepipeline.sink.timescale;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CopyBinaryTest {

    @Test
    void headerRowAndTrailerFollowTheBinaryCopyFormat() {
        CopyBinary b = new CopyBinary(2);
        b.startRow();
        b.text("ab").time(Instant.parse("2000-01-01T00:00:00.000001Z"));
        byte[] out = b.finish();
        assertThat(new String(out, 0, 6)).isEqualTo("PGCOPY");
        // 19-byte header, field count 2, "ab" (4+2), timestamp (4+8), trailer -1
        assertThat(out).hasSize(19 + 2 + 6 + 12 + 2);
        assertThat(out[out.length - 1]).isEqualTo((byte) 0xFF);
        assertThat(out[out.length - 3]).as("one microsecond after PostgreSQL's epoch").isEqualTo((byte) 1);
    }

    @Test
    void valuesThePostgresTypesCannotHoldAreRejectedAsTheRecordsFault() {
        CopyBinary b = new CopyBinary(1);
        assertThatThrownBy(() -> b.number(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.text("a\0b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.textArray(java.util.Arrays.asList("a", null))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void arraysAndJsonCarryTheirLengthPrefix() {
        CopyBinary b = new CopyBinary(2);
        int before = b.size();
        b.textArray(List.of("x", "yz"));
        // length + (ndim, hasnull, oid, size, lbound) + (4+1) + (4+2)
        assertThat(b.size() - before).isEqualTo(4 + 20 + 5 + 6);
        before = b.size();
        b.jsonObject(Map.of("k", "v"));
        assertThat(b.size() - before).isEqualTo(4 + 1 + "{\"k\":\"v\"}".length());
    }
}
