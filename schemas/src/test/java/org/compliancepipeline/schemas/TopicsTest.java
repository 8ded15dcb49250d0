package org.compliancepipeline.schemas;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TopicsTest {

    @Test
    void namesAreUniqueAndVersioned() {
        assertThat(Topics.all()).extracting(Topic::name).doesNotHaveDuplicates()
                .allMatch(n -> n.matches("compliance\\.[a-z.-]+\\.v\\d+"), "compliance.<name>.v<N>");
    }

    @Test
    void referenceDataAndLatestStateTopicsAreCompacted() {
        assertThat(Topics.CONTROLS.compacted()).isTrue();
        assertThat(Topics.ORGS.compacted()).isTrue();
        assertThat(Topics.CONTROL_STATUS.compacted()).isTrue();
        assertThat(Topics.SCORES.compacted()).isTrue();
        assertThat(Topics.RECORDS.compacted()).isFalse();
        assertThat(Topics.ENRICHED.compacted()).isFalse();
    }

    @Test
    void aTopicsSerdesCarryItsValues() {
        var topic = Topics.CONTROLS;
        byte[] key = topic.keySerde().serializer().serialize(topic.name(), Keys.control("nist-800-53-r5", "ac-6.1"));
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), Samples.control());
        assertThat(topic.keySerde().deserializer().deserialize(topic.name(), key)).isEqualTo("nist-800-53-r5:ac-6.1");
        assertThat(topic.valueSerde().deserializer().deserialize(topic.name(), value)).isEqualTo(Samples.control());
    }

    @Test
    void keysSplitBackUnambiguously() {
        String key = Keys.controlStatus("acme", "nist-800-53-r5", "ac-6.1");
        assertThat(key.split("/")).containsExactly("acme", "nist-800-53-r5", "ac-6.1");
        assertThat(Ids.isId("acme/evil")).isFalse();
        assertThat(Ids.isId("ac-6(1)")).isTrue();
        assertThat(Ids.isRecordId("urn:scanner:42")).isTrue();
    }
}
