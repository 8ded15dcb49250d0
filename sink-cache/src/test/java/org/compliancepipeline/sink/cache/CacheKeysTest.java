package org.compliancepipeline.sink.cache;

import io.lettuce.core.cluster.SlotHash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each script's keys share one Redis Cluster hash slot. */
class CacheKeysTest {
    private final CacheKeys keys = new CacheKeys("cp:", "scores");

    @Test
    void keysAreNamedAsTheReadmeSays() {
        assertThat(keys.status("acme", "nist-800-53-r5")).isEqualTo("cp:{acme/nist-800-53-r5}:status");
        assertThat(keys.statusMeta("acme", "nist-800-53-r5")).isEqualTo("cp:{acme/nist-800-53-r5}:status:meta");
        assertThat(keys.score("acme", "nist-800-53-r5")).isEqualTo("cp:{acme/nist-800-53-r5}:score");
        assertThat(keys.scoreMeta("acme", "nist-800-53-r5")).isEqualTo("cp:{acme/nist-800-53-r5}:score:meta");
        assertThat(keys.leaderboard("nist-800-53-r5")).isEqualTo("cp:lb:{nist-800-53-r5}");
        assertThat(keys.leaderboardMeta("nist-800-53-r5")).isEqualTo("cp:lb:{nist-800-53-r5}:meta");
        assertThat(keys.scoreStream("nist-800-53-r5")).isEqualTo("cp:scores:{nist-800-53-r5}");
        assertThat(keys.record("urn:scanner:42")).isEqualTo("cp:rec:{urn:scanner:42}");
    }

    @Test
    void everyScriptCallStaysInOneHashSlot() {
        for (String org : new String[]{"acme", "globex", "org-17"}) {
            for (String fw : new String[]{"nist-800-53-r5", "iso-27001", "nca-ecc"}) {
                assertThat(SlotHash.getSlot(keys.statusMeta(org, fw))).isEqualTo(SlotHash.getSlot(keys.status(org, fw)));
                assertThat(SlotHash.getSlot(keys.scoreMeta(org, fw))).isEqualTo(SlotHash.getSlot(keys.score(org, fw)));
                assertThat(SlotHash.getSlot(keys.leaderboardMeta(fw))).isEqualTo(SlotHash.getSlot(keys.leaderboard(fw)));
                assertThat(SlotHash.getSlot(keys.scoreStream(fw))).isEqualTo(SlotHash.getSlot(keys.leaderboard(fw)));
            }
        }
        // and spread: different orgs land in different slots (no hot slot for a whole framework's statuses)
        assertThat(SlotHash.getSlot(keys.status("acme", "nist-800-53-r5"))).isNotEqualTo(SlotHash.getSlot(keys.status("globex", "nist-800-53-r5")));
    }
}
