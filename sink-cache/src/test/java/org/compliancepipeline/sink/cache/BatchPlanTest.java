package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.sink.cache.BatchPlan.ScriptCall;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.junit.jupiter.api.Test;

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
        List<SinkRecord<SpecificRecord>> batch = new ArrayList<>();
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
        assertThat(calls).extracting(c -> c.keys()[0]).containsExactly("cp:{acme/nist-800-53-r5}:status",
                "cp:{acme/nist-800-53-r5}:status", "cp:{acme/nist-800-53-r5}:status", "cp:{globex/nist-800-53-r5}:status");
        assertThat(calls).extracting(c -> controls(c)).containsExactly(
                List.of("a", "a", "a"), List.of("b", "b", "b"), List.of("c", "c", "c", "c", "c", "c"), List.of("a"));
        // within a control, partition order
        assertThat(calls.get(2).sources()).extracting(SinkRecord::offset).isSorted();
        assertThat(calls.getFirst().keys()[1]).isEqualTo("cp:{acme/nist-800-53-r5}:status:meta");
        assertThat(calls.getFirst().args()[0]).as("TTL: none").isEqualTo("0");
    }

    @Test
    void aScoreBecomesOneCallForItsHashAndOneForTheLeaderboardOfItsFramework() {
        BatchPlan plan = BatchPlan.of(List.of(records.of(Records.score("acme", 62.5, T), 7), records.of(Records.score("globex", 40, T), 8),
                records.scoreTombstone("initech", 9)), config, System.currentTimeMillis());
        List<ScriptCall> calls = plan.updates.stream().map(ScriptCall.class::cast).toList();
        assertThat(calls).extracting(ScriptCall::script).containsExactly(CacheScript.SCORE, CacheScript.SCORE, CacheScript.SCORE, CacheScript.LEADERBOARD);
        ScriptCall board = calls.get(3);
        assertThat(board.keys()).containsExactly("cp:lb:{nist-800-53-r5}", "cp:lb:{nist-800-53-r5}:meta", "cp:scores:{nist-800-53-r5}");
        assertThat(List.of(board.args()).subList(0, 5)).containsExactly("0", "nist-800-53-r5", "10000", "0", "cp:scores");
        assertThat(List.of(board.args()).subList(5, 13)).containsExactly("acme", "7", "v", String.valueOf(T.toEpochMilli()), "62.5", "6.25", "10",
                "2026-11-25T08:00:00Z");
        assertThat(List.of(board.args()).subList(21, 29)).containsExactly("initech", "9", "t", "", "", "", "", "");
        assertThat(board.sources()).extracting(SinkRecord::offset).containsExactly(7L, 8L, 9L);
    }

    private static List<String> controls(ScriptCall call) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i < call.args().length; i += 6) out.add(call.args()[i]);
        return out;
    }
}
