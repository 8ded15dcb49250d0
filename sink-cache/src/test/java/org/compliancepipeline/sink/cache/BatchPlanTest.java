package org.compliancepipeline.sink.cache;

import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.sink.cache.BatchPlan.ScriptCall;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;

/** How a batch becomes script calls: grouped by hash slot, in partition order, one entity never split. */
class BatchPlanTest {
    private static final Instant T = Instant.parse("2026-11-25T08:00:00Z");
    private final CacheSinkConfig config = CacheSinkConfig.fromEnv(new Env(Map.of("CACHE_SCRIPT_EVENTS", "4")));
    private final Records records = new Records(config);

    @Test
    void statusesOfOneOrgAndFrameworkGoIntoCallsOfBoundedSizeWithoutSplittingAControl() {
        List<SinkRecord<CacheUpdate>> batch = new ArrayList<>();
        long offset = 0;
        // control a: 3 events, b: 3 events, c: 6 events (alone over the bound), interleaved
        for (int i = 0; i < 3; i++) {
            batch.add(records.of(Records.status("acme", "a", SATISFIED, T.plusSeconds(i), "r-a" + i), offset++));
            batch.add(records.of(Records.status("acme", "b", SATISFIED, T.plusSeconds(i), "r-b" + i), offset++));
            batch.add(records.of(Records.status("acme", "c", SATISFIED, T.plusSeconds(i), "r-c" + i), offset++));
            batch.add(records.of(Records.status("acme", "c", SATISFIED, T.plusSeconds(10 + i), "r-c" + (10 + i)), offset++));
        }
        batch.add(records.of(Records.status("globex", "a", SATISFIED, T, "r-g"), offset++));
        BatchPlan plan = BatchPlan.of(batch, config, System.currentTimeMillis());

        List<ScriptCall> calls = plan.updates.stream().map(ScriptCall.class::cast).toList();
        assertThat(calls).extracting(c -> str(c.keys()[0])).containsExactly("cp:{acme/nist-800-53-r5}:status",
                "cp:{acme/nist-800-53-r5}:status", "cp:{acme/nist-800-53-r5}:status", "cp:{globex/nist-800-53-r5}:status");
        assertThat(calls).extracting(c -> controls(c)).containsExactly(
                List.of("a", "a", "a"), List.of("b", "b", "b"), List.of("c", "c", "c", "c", "c", "c"), List.of("a"));
        // within a control, partition order
        assertThat(calls.get(2).sources()).extracting(SinkRecord::offset).isSorted();
        assertThat(str(calls.getFirst().keys()[1])).isEqualTo("cp:{acme/nist-800-53-r5}:status:meta");
        assertThat(str(calls.getFirst().args()[0])).as("TTL: none").isEqualTo("0");
    }

    @Test
    void aScoreBecomesOneCallForItsHashAndOneForTheLeaderboardOfItsFramework() {
        BatchPlan plan = BatchPlan.of(List.of(records.of(Records.score("acme", 62.5, T), 7), records.of(Records.score("globex", 40, T), 8),
                records.scoreTombstone("initech", 9)), config, System.currentTimeMillis());
        List<ScriptCall> calls = plan.updates.stream().map(ScriptCall.class::cast).toList();
        assertThat(calls).extracting(ScriptCall::script).containsExactly(CacheScript.SCORE, CacheScript.SCORE, CacheScript.SCORE, CacheScript.LEADERBOARD);
        ScriptCall board = calls.get(3);
        assertThat(strs(board.keys())).containsExactly("cp:lb:{nist-800-53-r5}", "cp:lb:{nist-800-53-r5}:meta", "cp:scores:{nist-800-53-r5}");
        assertThat(strs(board.args()).subList(0, 5)).containsExactly("0", "nist-800-53-r5", "10000", "0", "cp:scores");
        assertThat(strs(board.args()).subList(5, 13)).containsExactly("acme", "7", "v", String.valueOf(T.toEpochMilli()), "62.5", "6.25", "10",
                "2026-11-25T08:00:00Z");
        assertThat(strs(board.args()).subList(21, 29)).containsExactly("initech", "9", "t", "", "", "", "", "");
        assertThat(board.sources()).extracting(SinkRecord::offset).containsExactly(7L, 8L, 9L);
    }

    private static List<String> controls(ScriptCall call) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < call.args().length; i += 6) out.add(str(call.args()[i]));
        return out;
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static List<String> strs(byte[][] b) {
        return java.util.Arrays.stream(b).map(BatchPlanTest::str).toList();
    }

    @Test
    void theIdCheckWithoutARegexAgreesWithIds() {
        List<String> samples = new ArrayList<>(List.of("", "a", "A9", "-a", ".a", "_a", "(a", "a-b.c_d(e)", "a:b", "urn:x:1", "a/b", "a{b}",
                "a b", "é", "aé", "a\n", "x".repeat(128), "x".repeat(129), "0193f1c2-7d3e-7c4a-9a51-3b1b2c4d5e6f", "ac-6.1_obj"));
        java.util.Random random = new java.util.Random(7);
        String alphabet = "aZ09._()-:/{} \u00e9\n@";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder b = new StringBuilder();
            for (int n = random.nextInt(6); n >= 0; n--) b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            samples.add(b.toString());
        }
        for (String s : samples) {
            assertThat(BatchPlan.isId(s, false)).as("id '%s'", s).isEqualTo(Ids.isId(s));
            assertThat(BatchPlan.isId(s, true)).as("record id '%s'", s).isEqualTo(Ids.isRecordId(s));
        }
        assertThat(BatchPlan.isId(null, false)).isFalse();
    }
}
