package org.compliancepipeline.schemas;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The hand-written id checks accept exactly what the documented patterns accept. */
class IdsTest {
    private static final String ALPHABET = "aZ09._:()-/@{} \tŝ\u0000";

    @Test
    void examples() {
        assertThat(Ids.isId("ac-6.1")).isTrue();
        assertThat(Ids.isId("ac-6.1_obj")).isTrue();
        assertThat(Ids.isId("nist-800-53-r5")).isTrue();
        assertThat(Ids.isId("ac-2(1)")).isTrue();
        assertThat(Ids.isId("x".repeat(128))).isTrue();
        assertThat(Ids.isId("x".repeat(129))).isFalse();
        assertThat(Ids.isId("")).isFalse();
        assertThat(Ids.isId(null)).isFalse();
        assertThat(Ids.isId("-leading")).isFalse();
        assertThat(Ids.isId("org/other")).isFalse();
        assertThat(Ids.isId("urn:x")).isFalse();
        assertThat(Ids.isRecordId("urn:x:1")).isTrue();
        assertThat(Ids.isRecordId(":x")).isFalse();
    }

    @Test
    void agreeWithThePatternsOnRandomStrings() {
        Random random = new Random(7);
        List<String> samples = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) {
            int length = random.nextInt(i % 100 == 0 ? 140 : 8);
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < length; j++) sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            samples.add(sb.toString());
        }
        for (String s : samples) {
            assertThat(Ids.isId(s)).as("isId(\"%s\")", s).isEqualTo(Ids.ID.matcher(s).matches());
            assertThat(Ids.isRecordId(s)).as("isRecordId(\"%s\")", s).isEqualTo(Ids.RECORD_ID.matcher(s).matches());
        }
    }
}
