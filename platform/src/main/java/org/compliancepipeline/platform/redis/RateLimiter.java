package org.compliancepipeline.platform.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import org.compliancepipeline.platform.auth.ApiKey;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Per-key rate limiting (records per second for the ingest API, requests per second for the query
 * API): a token bucket per API key held in Redis, so the limit holds across every instance of the
 * service. Each service has its own buckets ({@code bucketPrefix}). One round trip per request: the script is
 * called by its SHA and loaded again if Redis lost it (restart, {@code SCRIPT FLUSH}).
 */
public final class RateLimiter {
    private static final String SCRIPT = script();

    /** The ingest API's buckets. */
    public static final String INGEST_BUCKETS = "ingest:ratelimit:";

    private final RedisGateway redis;
    private final ApiKey.RateLimit defaults;
    private final boolean allowWhenRedisDown;
    private final String bucketPrefix;
    private volatile String sha;

    public RateLimiter(RedisGateway redis, ApiKey.RateLimit defaults, boolean allowWhenRedisDown) {
        this(redis, defaults, allowWhenRedisDown, INGEST_BUCKETS);
    }

    /** @param bucketPrefix prefix of the bucket keys, e.g. {@code query:ratelimit:}; the key's id follows in braces */
    public RateLimiter(RedisGateway redis, ApiKey.RateLimit defaults, boolean allowWhenRedisDown, String bucketPrefix) {
        this.redis = redis;
        this.defaults = defaults;
        this.allowWhenRedisDown = allowWhenRedisDown;
        this.bucketPrefix = bucketPrefix;
    }

    /** The answer for one request. */
    public sealed interface Decision {
        record Allowed() implements Decision { }
        record Limited(Duration retryAfter, ApiKey.RateLimit limit) implements Decision { }
        /** Redis cannot be asked and the policy is to refuse. */
        record Unknown(String reason) implements Decision { }
    }

    /** Takes {@code records} tokens from the key's bucket, or says how long to wait. */
    public Decision acquire(ApiKey key, int records) {
        ApiKey.RateLimit limit = key.rateLimitOr(defaults);
        try {
            List<Object> reply = eval(bucketPrefix + "{" + key.id() + "}", limit, Math.max(records, 1));
            if (((Long) reply.get(0)) == 1L) return new Decision.Allowed();
            return new Decision.Limited(Duration.ofMillis(Math.max(1, (Long) reply.get(1))), limit);
        } catch (RedisGateway.RedisUnavailable | RedisException e) {
            if (allowWhenRedisDown) return new Decision.Allowed();
            return new Decision.Unknown("rate limits are kept in Redis, which is not reachable (" + e.getMessage() + ")");
        }
    }

    private List<Object> eval(String bucket, ApiKey.RateLimit limit, int cost) {
        var commands = redis.connection().sync();
        String[] keys = {bucket};
        byte[][] args = {bytes(limit.perSecond()), bytes(limit.burst()), bytes(cost)};
        String current = sha;
        if (current != null) {
            try {
                return commands.evalsha(current, ScriptOutputType.MULTI, keys, args);
            } catch (RedisNoScriptException e) {
                // Redis restarted or flushed its scripts: load it again below.
            }
        }
        current = commands.scriptLoad(SCRIPT.getBytes(StandardCharsets.UTF_8));
        sha = current;
        return commands.evalsha(current, ScriptOutputType.MULTI, keys, args);
    }

    private static byte[] bytes(double v) {
        return (v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v)).getBytes(StandardCharsets.US_ASCII);
    }

    private static String script() {
        try (InputStream in = RateLimiter.class.getResourceAsStream("token-bucket.lua")) {
            if (in == null) throw new IllegalStateException("token-bucket.lua missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
