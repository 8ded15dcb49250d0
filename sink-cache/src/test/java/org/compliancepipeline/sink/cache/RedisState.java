package org.compliancepipeline.sink.cache;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.Range;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.sync.RedisCommands;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything under a key prefix, read back for comparison. */
final class RedisState {
    private RedisState() { }

    static List<String> keys(RedisCommands<String, String> redis, String prefix) {
        List<String> keys = new ArrayList<>();
        ScanCursor cursor = ScanCursor.INITIAL;
        do {
            KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(1000));
            keys.addAll(page.getKeys());
            cursor = page;
        } while (!cursor.isFinished());
        return keys;
    }

    /**
     * What readers see: every key but the bookkeeping ({@code :meta}) and the streams (an event log, not
     * state), without the prefix, without TTLs. Strings as text, hashes as sorted maps, sorted sets as
     * {@code member=score} in ZRANGE order.
     */
    static Map<String, Object> state(RedisCommands<String, String> redis, String prefix) {
        Map<String, Object> out = new TreeMap<>();
        for (String key : keys(redis, prefix)) {
            String type = redis.type(key);
            if (key.endsWith(":meta") || type.equals("stream")) continue;
            out.put(key.substring(prefix.length()), content(redis, key, type));
        }
        return out;
    }

    /** Every key, bookkeeping and streams included (entry ids too), each with its absolute expiry (-1: none). */
    static Map<String, Object> raw(RedisCommands<String, String> redis, String prefix) {
        Map<String, Object> out = new TreeMap<>();
        for (String key : keys(redis, prefix)) {
            String type = redis.type(key);
            out.put(key.substring(prefix.length()), List.of(content(redis, key, type), redis.pexpiretime(key)));
        }
        return out;
    }

    static Object content(RedisCommands<String, String> redis, String key, String type) {
        return switch (type) {
            case "string" -> redis.get(key);
            case "hash" -> new TreeMap<>(redis.hgetall(key));
            case "zset" -> redis.zrangeWithScores(key, 0, -1).stream().map(v -> v.getValue() + "=" + v.getScore()).toList();
            case "stream" -> redis.xrange(key, Range.create("-", "+")).stream().map(m -> m.getId() + " " + new TreeMap<>(m.getBody())).toList();
            default -> throw new IllegalStateException(key + " has unexpected type " + type);
        };
    }

    /** The entries of a stream as field maps, oldest first. */
    static List<Map<String, String>> stream(RedisCommands<String, String> redis, String key) {
        return redis.xrange(key, Range.create("-", "+")).stream().map(StreamMessage::getBody).toList();
    }

    static List<ScoredValue<String>> leaderboard(RedisCommands<String, String> redis, String key) {
        return redis.zrangeWithScores(key, 0, -1);
    }

    static void delete(RedisCommands<String, String> redis, String prefix) {
        List<String> keys = keys(redis, prefix);
        for (int i = 0; i < keys.size(); i += 500) redis.unlink(keys.subList(i, Math.min(keys.size(), i + 500)).toArray(String[]::new));
    }
}
