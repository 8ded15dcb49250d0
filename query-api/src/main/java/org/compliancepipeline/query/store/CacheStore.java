package org.compliancepipeline.query.store;

import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import org.compliancepipeline.platform.redis.RedisGateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads of the state the cache sink keeps in Redis (layout: sink-cache/README.md, {@code CacheKeys}),
 * and the one write of the query API: a score computed from PostgreSQL on a miss, stored back with
 * a TTL only while the sink has not written one (so a newer score from the sink is never replaced).
 */
public final class CacheStore {
    public static final String NAME = "redis";
    private static final String WRITE_BACK = """
            if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
            redis.call('HSET', KEYS[1], unpack(ARGV, 2))
            redis.call('PEXPIRE', KEYS[1], ARGV[1])
            return 1
            """;

    private final RedisGateway redis;
    private final String prefix;
    private final String streamName;
    private volatile String writeBackSha;

    public CacheStore(RedisGateway redis, String prefix, String streamName) {
        this.redis = redis;
        this.prefix = prefix;
        this.streamName = streamName;
    }

    public String scoreKey(String org, String framework) {
        return prefix + "{" + org + "/" + framework + "}:score";
    }

    public String statusKey(String org, String framework) {
        return prefix + "{" + org + "/" + framework + "}:status";
    }

    public String leaderboardKey(String framework) {
        return prefix + "lb:{" + framework + "}";
    }

    public String scoreStreamKey(String framework) {
        return prefix + streamName + ":{" + framework + "}";
    }

    public String recordKey(String recordId) {
        return prefix + "rec:{" + recordId + "}";
    }

    /** The score hash (field to value), empty on a miss. */
    public Map<String, String> score(String org, String framework) {
        return strings(call(c -> c.hgetall(scoreKey(org, framework))));
    }

    /** Stores a score computed elsewhere unless the sink wrote one meanwhile; true when stored. */
    public boolean writeBackScore(String org, String framework, Map<String, String> fields, Duration ttl) {
        List<byte[]> args = new ArrayList<>();
        args.add(String.valueOf(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII));
        fields.forEach((k, v) -> {
            args.add(k.getBytes(StandardCharsets.UTF_8));
            args.add(v.getBytes(StandardCharsets.UTF_8));
        });
        byte[][] argv = args.toArray(byte[][]::new);
        String[] keys = {scoreKey(org, framework)};
        Long stored = call(c -> {
            String sha = writeBackSha;
            if (sha != null) {
                try {
                    return c.evalsha(sha, ScriptOutputType.INTEGER, keys, argv);
                } catch (RedisNoScriptException e) {
                    // Redis restarted or flushed its scripts: load it again.
                }
            }
            sha = c.scriptLoad(WRITE_BACK.getBytes(StandardCharsets.UTF_8));
            writeBackSha = sha;
            return c.evalsha(sha, ScriptOutputType.INTEGER, keys, argv);
        });
        return stored != null && stored == 1L;
    }

    /** Control id to the sink's JSON entry ({@code {"status","observedAt","recordId"}}); empty on a miss. */
    public Map<String, String> controlStatuses(String org, String framework) {
        return strings(call(c -> c.hgetall(statusKey(org, framework))));
    }

    /** The enriched record as the sink stored it (JSON), or null. */
    public String record(String recordId) {
        byte[] v = call(c -> c.get(recordKey(recordId)));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** Org to score, worst first. */
    public List<Map.Entry<String, Double>> leaderboard(String framework) {
        List<ScoredValue<byte[]>> all = call(c -> c.zrangebyscoreWithScores(leaderboardKey(framework), Range.unbounded()));
        List<Map.Entry<String, Double>> out = new ArrayList<>(all.size());
        for (ScoredValue<byte[]> v : all) out.add(Map.entry(new String(v.getValue(), StandardCharsets.UTF_8), v.getScore()));
        return out;
    }

    /** Score changes of the framework after {@code afterId} ({@code $} for "from now"), oldest first. */
    public List<StreamMessage<String, byte[]>> scoreChanges(String framework, String afterId, int count) {
        return call(c -> c.xread(XReadArgs.Builder.count(count), XReadArgs.StreamOffset.from(scoreStreamKey(framework), afterId)));
    }

    /** The id of the newest entry of the framework's stream, or {@code 0-0}. */
    public String lastScoreChangeId(String framework) {
        List<StreamMessage<String, byte[]>> last = call(c -> c.xrevrange(scoreStreamKey(framework), Range.unbounded(),
                io.lettuce.core.Limit.from(1)));
        return last.isEmpty() ? "0-0" : last.getFirst().getId();
    }

    private interface Call<T> {
        T run(RedisCommands<String, byte[]> commands);
    }

    private <T> T call(Call<T> call) {
        try {
            return call.run(redis.connection().sync());
        } catch (RedisGateway.RedisUnavailable | RedisException e) {
            throw new StoreDown(NAME, "Redis is not reachable: " + e.getMessage(), e);
        }
    }

    private static Map<String, String> strings(Map<String, byte[]> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, new String(v, StandardCharsets.UTF_8)));
        return out;
    }
}
