package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.sink.cache.CacheMetrics.Kind;
import org.compliancepipeline.sink.cache.CacheMetrics.Result;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.WriteResult;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.PARTIALLY_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;

/** The writer and its scripts against the real Redis, batch by batch: the newer-wins rules, tombstones, TTLs, failures. */
@RealInfra
class CacheWriterIT {
    private static final Instant T = Instant.parse("2026-11-25T08:00:00Z");

    private final String prefix = "it:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private Infra infra;
    private RedisClient client;
    private RedisClient readerClient;
    private RedisCommands<String, String> redis;
    private final List<CacheWriter> writers = new ArrayList<>();
    private CacheMetrics metrics;
    private CacheSinkConfig config;
    private Records records;
    private long now = System.currentTimeMillis();

    @BeforeEach
    void setUp(Infra infra) {
        this.infra = infra;
        config = config(Map.of());
        records = new Records(config);
        client = CacheSink.redisClient(config);
        readerClient = RedisClient.create(infra.redisUri());
        StatefulRedisConnection<String, String> c = readerClient.connect();
        redis = c.sync();
    }

    private CacheSinkConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(infra.asEnvironment());
        env.put("CACHE_KEY_PREFIX", prefix);
        env.putAll(extra);
        CacheSinkConfig c = CacheSinkConfig.fromEnv(new Env(env));
        assertThat(c.problems()).isEmpty();
        return c;
    }

    private CacheWriter writer(CacheSinkConfig c) {
        metrics = new CacheMetrics(new SimpleMeterRegistry());
        CacheWriter w = new CacheWriter(client, c, metrics, () -> now);
        writers.add(w);
        return w;
    }

    @AfterEach
    void tearDown() {
        writers.forEach(CacheWriter::close);
        RedisState.delete(redis, prefix);
        readerClient.shutdown();
        client.shutdown();
    }

    @SafeVarargs
    private static List<SinkRecord<CacheUpdate>> batch(SinkRecord<CacheUpdate>... rs) {
        return List.of(rs);
    }

    private String status(String org, String control) {
        return redis.hget(prefix + "{" + org + "/nist-800-53-r5}:status", control);
    }

    @Test
    void aControlKeepsTheNewestObservationWhateverTheOrderAndTheBatching() throws Exception {
        CacheWriter writer = writer(config);
        ControlStatus oldest = Records.status("acme", "x", NOT_SATISFIED, T, "r-a");
        ControlStatus middle = Records.status("acme", "x", PARTIALLY_SATISFIED, T.plusSeconds(60), "r-b");
        ControlStatus newest = Records.status("acme", "x", SATISFIED, T.plusSeconds(120), "r-c");
        List<List<ControlStatus>> orders = List.of(List.of(oldest, middle, newest), List.of(oldest, newest, middle),
                List.of(middle, oldest, newest), List.of(middle, newest, oldest), List.of(newest, oldest, middle), List.of(newest, middle, oldest));
        for (int i = 0; i < orders.size(); i++) {
            String control = "ac-" + i;
            List<SinkRecord<CacheUpdate>> one = new ArrayList<>();
            long offset = 0;
            for (ControlStatus s : orders.get(i)) one.add(records.of(ControlStatus.newBuilder(s).setControlId(control).build(), offset++));
            // one record per write (across batches), then the same three again in one batch (a replay)
            for (SinkRecord<CacheUpdate> r : one) assertThat(writer.write(List.of(r)).isComplete()).isTrue();
            assertThat(writer.write(one).isComplete()).isTrue();
            assertThat(status("acme", control)).as(orders.get(i).toString())
                    .isEqualTo("{\"status\":\"SATISFIED\",\"observedAt\":\"2026-11-25T08:02:00Z\",\"recordId\":\"r-c\"}");
        }
        // 6 orders x (3 single writes + the same 3 again in one batch) = 36 events; the 18 replayed ones change nothing
        assertThat(metrics.count(Kind.STATUS, Result.APPLIED) + metrics.count(Kind.STATUS, Result.UNCHANGED)).isEqualTo(36);
        assertThat(metrics.count(Kind.STATUS, Result.UNCHANGED)).isGreaterThanOrEqualTo(18);
    }

    @Test
    void equalObservationTimesAreDecidedBySeverityThenTheGreaterRecordIdByteByByteAndAnEqualVersionChangesNothing() throws Exception {
        CacheWriter writer = writer(config);
        // At one instant the more severe status wins, as in the stream processor, even with the smaller recordId.
        ControlStatus satisfied = Records.status("acme", "ac-1", SATISFIED, T, "r-9");
        ControlStatus failing = Records.status("acme", "ac-1", NOT_SATISFIED, T, "r-1");
        writer.write(batch(records.of(failing, 0), records.of(satisfied, 1)));
        assertThat(status("acme", "ac-1")).contains("\"recordId\":\"r-1\"").contains("NOT_SATISFIED");

        // Same instant and status: "r-2" > "r-10" byte by byte ('2' > '1'), whatever the locale of the server.
        ControlStatus r2 = Records.status("acme", "ac-2", SATISFIED, T, "r-2");
        ControlStatus r10 = Records.status("acme", "ac-2", SATISFIED, T, "r-10");
        writer.write(batch(records.of(r2, 0), records.of(r10, 1)));
        writer.write(batch(records.of(ControlStatus.newBuilder(r10).setControlId("ac-3").build(), 0),
                records.of(ControlStatus.newBuilder(r2).setControlId("ac-3").build(), 1)));
        assertThat(status("acme", "ac-2")).contains("\"recordId\":\"r-2\"");
        assertThat(status("acme", "ac-3")).isEqualTo(status("acme", "ac-2"));

        // The same version again (a replay) changes nothing.
        String before = status("acme", "ac-2");
        writer.write(batch(records.of(r10, 2), records.of(r2, 3)));
        assertThat(status("acme", "ac-2")).isEqualTo(before);
    }

    @Test
    void anOldTombstoneNeverDeletesNewerStateAndAReplayedValueNeverResurrectsADeletedControl() throws Exception {
        CacheWriter writer = writer(config);
        ControlStatus v10 = Records.status("acme", "ac-1", SATISFIED, T.plusSeconds(600), "r-10");
        writer.write(batch(records.of(v10, 10)));

        // A tombstone from before the value (a replay of an older deletion): the control stays.
        assertThat(writer.write(batch(records.statusTombstone("acme", "ac-1", 5))).isComplete()).isTrue();
        assertThat(status("acme", "ac-1")).contains("r-10");

        // The deletion that follows the value: gone.
        writer.write(batch(records.statusTombstone("acme", "ac-1", 11)));
        assertThat(status("acme", "ac-1")).isNull();

        // Replaying the partition from the start: the old value and the old tombstone change nothing.
        writer.write(batch(records.statusTombstone("acme", "ac-1", 5), records.of(v10, 10)));
        assertThat(status("acme", "ac-1")).isNull();
        assertThat(redis.hexists(prefix + "{acme/nist-800-53-r5}:status:meta", "ac-1")).as("a grave remembers the deletion").isTrue();

        // A new life after the deletion, even with an older observation, is stored; the deleted one stays dead.
        ControlStatus back = Records.status("acme", "ac-1", NOT_SATISFIED, T, "r-back");
        writer.write(batch(records.of(back, 12)));
        writer.write(batch(records.of(v10, 10), records.statusTombstone("acme", "ac-1", 11), records.of(back, 12)));
        assertThat(status("acme", "ac-1")).contains("r-back").contains("NOT_SATISFIED");
        assertThat(metrics.count(Kind.STATUS, Result.DELETED)).isEqualTo(1);

        // In one batch, in order: value, deletion, new value -> the new value.
        writer.write(batch(records.of(Records.status("acme", "ac-2", SATISFIED, T.plusSeconds(5), "r-1"), 20),
                records.statusTombstone("acme", "ac-2", 21), records.of(Records.status("acme", "ac-2", NOT_SATISFIED, T, "r-0"), 22),
                records.of(Records.status("acme", "ac-3", SATISFIED, T, "r-3"), 23), records.statusTombstone("acme", "ac-3", 24)));
        assertThat(status("acme", "ac-2")).contains("r-0");
        assertThat(status("acme", "ac-3")).isNull();
    }

    @Test
    void oneCallWithManyControlsDecidesEachAgainstWhatRedisHolds() throws Exception {
        CacheWriter writer = writer(config(Map.of("CACHE_SCRIPT_EVENTS", "5000")));
        int n = 1_200; // more controls than one HMGET chunk of the script reads (1,000)
        List<SinkRecord<CacheUpdate>> stored = new ArrayList<>();
        for (int c = 0; c < n; c += 2) stored.add(records.of(Records.status("acme", "c-" + c, SATISFIED, T.plusSeconds(60), "r-s" + c), c));
        stored.add(records.statusTombstone("acme", "c-1", n + 1));
        assertThat(writer.write(stored).isComplete()).isTrue();
        double commandsBefore = metrics.commands.count();
        double appliedBefore = metrics.count(Kind.STATUS, Result.APPLIED);

        // One batch, one (org, framework): every fourth control gets an older value, the other even ones a newer value,
        // the odd ones are new, except c-1 whose value comes from before its deletion (a replay).
        List<SinkRecord<CacheUpdate>> mixed = new ArrayList<>();
        long offset = n + 2;
        for (int c = 0; c < n; c++) {
            if (c == 1) {
                mixed.add(records.of(Records.status("acme", "c-1", NOT_SATISFIED, T.plusSeconds(600), "r-replayed"), 1));
            } else if (c % 4 == 0) {
                mixed.add(records.of(Records.status("acme", "c-" + c, NOT_SATISFIED, T, "r-older" + c), offset++));
            } else {
                mixed.add(records.of(Records.status("acme", "c-" + c, PARTIALLY_SATISFIED, T.plusSeconds(120), "r-new" + c), offset++));
            }
        }
        Collections.shuffle(mixed, new Random(3));
        assertThat(writer.write(mixed).isComplete()).isTrue();

        assertThat(metrics.commands.count() - commandsBefore).as("one EVALSHA for the whole batch").isEqualTo(1);
        assertThat(metrics.count(Kind.STATUS, Result.APPLIED) - appliedBefore).isEqualTo(n - n / 4 - 1);
        Map<String, String> hash = redis.hgetall(prefix + "{acme/nist-800-53-r5}:status");
        assertThat(hash).hasSize(n - 1).doesNotContainKey("c-1");
        for (int c = 0; c < n; c++) {
            if (c == 1) continue;
            String expected = c % 4 == 0 ? "{\"status\":\"SATISFIED\",\"observedAt\":\"2026-11-25T08:01:00Z\",\"recordId\":\"r-s" + c + "\"}"
                    : "{\"status\":\"PARTIALLY_SATISFIED\",\"observedAt\":\"2026-11-25T08:02:00Z\",\"recordId\":\"r-new" + c + "\"}";
            assertThat(hash.get("c-" + c)).as("c-" + c).isEqualTo(expected);
        }
    }

    @Test
    void aScoreChangesOnlyForANewerUpdateAndTheLeaderboardListsTheWorstFirst() throws Exception {
        CacheWriter writer = writer(config);
        writer.write(batch(records.of(Records.score("acme", 75, T), 0), records.of(Records.score("globex", 40, T), 1),
                records.of(Records.score("initech", 90.5, T), 2)));
        // equal updatedAt with another score: unchanged; older: unchanged; newer: applied
        writer.write(batch(records.of(Records.score("acme", 10, T), 3), records.of(Records.score("acme", 20, T.minusSeconds(1)), 4)));
        assertThat(redis.hget(prefix + "{acme/nist-800-53-r5}:score", "score")).isEqualTo("75");
        writer.write(batch(records.of(Records.score("acme", 30, T.plusSeconds(1)), 5)));

        Map<String, String> acme = redis.hgetall(prefix + "{acme/nist-800-53-r5}:score");
        assertThat(acme).containsEntry("score", "30").containsEntry("satisfied", "3").containsEntry("applicable", "10")
                .containsEntry("updatedAt", "2026-11-25T08:00:01Z").containsEntry("controlsSatisfied", "3")
                .containsEntry("controlsNotSatisfied", "7").containsEntry("controlsUnknown", "0");
        assertThat(redis.zrange(prefix + "lb:{nist-800-53-r5}", 0, -1)).containsExactly("acme", "globex", "initech");
        assertThat(redis.zscore(prefix + "lb:{nist-800-53-r5}", "initech")).isEqualTo(90.5);

        // Tombstone: the score and the leaderboard entry go; an older tombstone replayed later does nothing.
        writer.write(batch(records.scoreTombstone("globex", 6)));
        assertThat(redis.exists(prefix + "{globex/nist-800-53-r5}:score")).isZero();
        assertThat(redis.zrange(prefix + "lb:{nist-800-53-r5}", 0, -1)).containsExactly("acme", "initech");
        writer.write(batch(records.scoreTombstone("acme", 2)));
        assertThat(redis.zrange(prefix + "lb:{nist-800-53-r5}", 0, -1)).containsExactly("acme", "initech");
        assertThat(metrics.count(Kind.SCORE, Result.APPLIED)).isEqualTo(4);
        assertThat(metrics.count(Kind.LEADERBOARD, Result.DELETED)).isEqualTo(1);
    }

    @Test
    void aKeyHoldingAnotherTypePoisonsOnlyTheRecordsMappedToItAndNothingOfThemIsWritten() throws Exception {
        CacheWriter writer = writer(config);
        redis.set(prefix + "{broken/nist-800-53-r5}:status", "not a hash");
        List<SinkRecord<CacheUpdate>> batch = batch(
                records.of(Records.status("broken", "ac-1", SATISFIED, T, "r-1"), 0),
                records.of(Records.status("fine", "ac-1", SATISFIED, T, "r-2"), 1),
                records.of(Records.status("broken", "ac-2", SATISFIED, T, "r-3"), 2));
        WriteResult<CacheUpdate> result = writer.write(batch);

        assertThat(result.failures()).extracting(f -> f.record().offset()).containsExactly(0L, 2L);
        assertThat(result.failures()).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.POISON);
            assertThat(f.error().getMessage()).startsWith("WRONGTYPE").contains("{broken/nist-800-53-r5}:status");
        });
        assertThat(status("fine", "ac-1")).contains("r-2");
        assertThat(redis.get(prefix + "{broken/nist-800-53-r5}:status")).isEqualTo("not a hash");
        assertThat(redis.exists(prefix + "{broken/nist-800-53-r5}:status:meta")).as("the script checks types before writing").isZero();
    }

    @Test
    void valuesThatWouldBreakTheKeySchemeOrTheNumbersAreRefusedAsPoisonBeforeAnythingIsSent() throws Exception {
        CacheWriter writer = writer(config);
        WriteResult<CacheUpdate> result = writer.write(batch(
                records.of(Records.status("evil}{org", "ac-1", SATISFIED, T, "r-1"), 0),
                records.of(Records.score("acme", Double.NaN, T), 1),
                records.record(config.controlStatusTopic(), "only/two", null, 2),
                records.of(Records.score("acme", 50, T), 3)));
        assertThat(result.failures()).extracting(f -> f.record().offset()).containsExactly(0L, 1L, 2L);
        assertThat(result.failures()).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.POISON);
            assertThat(f.error()).isInstanceOf(IllegalArgumentException.class);
        });
        assertThat(redis.hget(prefix + "{acme/nist-800-53-r5}:score", "score")).isEqualTo("50");
        assertThat(RedisState.keys(redis, prefix)).noneMatch(k -> k.contains("evil"));
    }

    @Test
    void aRecordExpiresItsTtlAfterItWasIngestedAndRecordsOlderThanThatAreNotLoaded() throws Exception {
        CacheWriter writer = writer(config);
        Random random = new Random(1);
        Instant ingested = Instant.ofEpochMilli(now).minusSeconds(3600);
        EnrichedRecord fresh = Workload.enriched(Records.status("acme", "ac-1", SATISFIED, T, "rec-fresh"), ingested, random);
        EnrichedRecord stale = Workload.enriched(Records.status("acme", "ac-1", SATISFIED, T, "rec-stale"),
                Instant.ofEpochMilli(now).minus(Duration.ofHours(25)), random);
        assertThat(writer.write(batch(records.of(fresh, 0), records.of(stale, 1), records.record(config.enrichedTopic(), "acme", null, 2))).isComplete()).isTrue();

        String key = prefix + "rec:{rec-fresh}";
        assertThat(redis.get(key)).isEqualTo(CacheJson.record(fresh));
        assertThat(redis.pexpiretime(key)).isEqualTo(ingested.plus(Duration.ofHours(24)).toEpochMilli());
        assertThat(redis.exists(prefix + "rec:{rec-stale}")).isZero();
        assertThat(metrics.count(Kind.RECORD, Result.EXPIRED)).isEqualTo(1);
        assertThat(metrics.count(Kind.RECORD, Result.IGNORED)).as("a null value on the enriched topic").isEqualTo(1);

        // JSON readers get: the record as the API gives it, plus the enrichment
        assertThat(redis.get(key)).startsWith("{\"recordId\":\"rec-fresh\",\"orgId\":\"acme\",\"framework\":\"nist-800-53-r5\",\"controlId\":\"ac-1\"")
                .contains("\"observedAt\":\"2026-11-25T08:00:00Z\"").contains("\"tags\":{\"env\":\"prod\",\"quote\\\"key\":\"v\\\\t\",")
                .contains("\"organization\":{\"name\":\"Org acme\",\"sector\":\"finance\"}").contains("\"ingestedAt\":\"" + ingested + "\"");
    }

    @Test
    void statusScoreAndLeaderboardKeysGetTheirTtlOnlyWhenOneIsConfigured() throws Exception {
        CacheWriter plain = writer(config);
        plain.write(batch(records.of(Records.status("acme", "ac-1", SATISFIED, T, "r-1"), 0), records.of(Records.score("acme", 50, T), 1)));
        for (String key : List.of("{acme/nist-800-53-r5}:status", "{acme/nist-800-53-r5}:status:meta", "{acme/nist-800-53-r5}:score",
                "{acme/nist-800-53-r5}:score:meta", "lb:{nist-800-53-r5}", "lb:{nist-800-53-r5}:meta", "scores:{nist-800-53-r5}")) {
            assertThat(redis.ttl(prefix + key)).as(key).isEqualTo(-1);
        }

        CacheWriter withTtls = writer(config(Map.of("CACHE_STATUS_TTL", "1h", "CACHE_SCORE_TTL", "2h", "CACHE_LEADERBOARD_TTL", "3h",
                "CACHE_STREAM_TTL", "4h")));
        withTtls.write(batch(records.of(Records.status("globex", "ac-1", SATISFIED, T, "r-1"), 0), records.of(Records.score("globex", 50, T), 1)));
        assertThat(redis.pttl(prefix + "{globex/nist-800-53-r5}:status")).isBetween(3_590_000L, 3_600_000L);
        assertThat(redis.pttl(prefix + "{globex/nist-800-53-r5}:status:meta")).isBetween(3_590_000L, 3_600_000L);
        assertThat(redis.pttl(prefix + "{globex/nist-800-53-r5}:score")).isBetween(7_190_000L, 7_200_000L);
        assertThat(redis.pttl(prefix + "{globex/nist-800-53-r5}:score:meta")).isBetween(7_190_000L, 7_200_000L);
        assertThat(redis.pttl(prefix + "lb:{nist-800-53-r5}")).isBetween(10_790_000L, 10_800_000L);
        assertThat(redis.pttl(prefix + "lb:{nist-800-53-r5}:meta")).isBetween(10_790_000L, 10_800_000L);
        assertThat(redis.pttl(prefix + "scores:{nist-800-53-r5}")).isBetween(14_390_000L, 14_400_000L);
    }
}
