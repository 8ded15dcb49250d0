package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisURI;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.schemas.Topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * sink-cache's configuration (README "Configuration").
 *
 * <table>
 *   <tr><td>{@code REDIS_URL}</td><td>{@code redis://}, {@code rediss://} or {@code redis-sentinel://} URL (default {@code redis://127.0.0.1:6379})</td></tr>
 *   <tr><td>{@code REDIS_USERNAME}, {@code REDIS_PASSWORD} (or {@code _FILE})</td><td>ACL user (optional) and password; never logged</td></tr>
 *   <tr><td>{@code REDIS_TIMEOUT}</td><td>connect and command timeout (default 10s)</td></tr>
 *   <tr><td>{@code CACHE_KEY_PREFIX}</td><td>prefix of every key (default {@code cp:})</td></tr>
 *   <tr><td>{@code CACHE_RECORD_TTL}, {@code CACHE_STATUS_TTL}, {@code CACHE_SCORE_TTL}, {@code CACHE_LEADERBOARD_TTL}, {@code CACHE_STREAM_TTL}</td>
 *       <td>TTL per key type; 0 = none (defaults 24h, 0, 0, 0, 0)</td></tr>
 *   <tr><td>{@code CACHE_STREAM}, {@code CACHE_STREAM_MAXLEN}</td><td>stream of score changes per framework ({@code scores}; {@code none} disables) and its approximate cap (10000)</td></tr>
 *   <tr><td>{@code CACHE_CHANNEL}</td><td>pub/sub channel of score changes (default {@code <prefix>scores}; {@code none} disables)</td></tr>
 *   <tr><td>{@code CACHE_SCRIPT_EVENTS}</td><td>events per script call (default 500)</td></tr>
 *   <tr><td>{@code TOPIC_ENRICHED}, {@code TOPIC_CONTROL_STATUS}, {@code TOPIC_SCORES}</td><td>input topics (defaults: the catalogue's)</td></tr>
 * </table>
 *
 * @param stream  stream base name, {@code null} when disabled
 * @param channel pub/sub channel, {@code null} when disabled
 */
public record CacheSinkConfig(String redisUrl, String redisUsername, Secret redisPassword, Duration redisTimeout,
                              String keyPrefix, Duration recordTtl, Duration statusTtl, Duration scoreTtl,
                              Duration leaderboardTtl, Duration streamTtl, String stream, long streamMaxLen, String channel,
                              int scriptEvents, String enrichedTopic, String controlStatusTopic, String scoresTopic) {

    static final String DISABLED = "none";

    public static CacheSinkConfig fromEnv(Env env) {
        String prefix = env.string("CACHE_KEY_PREFIX", "cp:");
        String stream = env.string("CACHE_STREAM", "scores");
        String channel = env.string("CACHE_CHANNEL", prefix + "scores");
        return new CacheSinkConfig(
                env.string("REDIS_URL", "redis://127.0.0.1:6379"),
                env.optional("REDIS_USERNAME").orElse(null),
                env.secret("REDIS_PASSWORD", ""),
                env.duration("REDIS_TIMEOUT", Duration.ofSeconds(10)),
                prefix,
                env.duration("CACHE_RECORD_TTL", Duration.ofHours(24)),
                env.duration("CACHE_STATUS_TTL", Duration.ZERO),
                env.duration("CACHE_SCORE_TTL", Duration.ZERO),
                env.duration("CACHE_LEADERBOARD_TTL", Duration.ZERO),
                env.duration("CACHE_STREAM_TTL", Duration.ZERO),
                DISABLED.equalsIgnoreCase(stream) ? null : stream,
                env.longValue("CACHE_STREAM_MAXLEN", 10_000, 1, Long.MAX_VALUE),
                DISABLED.equalsIgnoreCase(channel) ? null : channel,
                env.integer("CACHE_SCRIPT_EVENTS", 500, 1, 5_000),
                env.string("TOPIC_ENRICHED", Topics.ENRICHED.name()),
                env.string("TOPIC_CONTROL_STATUS", Topics.CONTROL_STATUS.name()),
                env.string("TOPIC_SCORES", Topics.SCORES.name()));
    }

    /** What {@link Env} cannot check by itself; empty when the configuration is usable. Never holds a secret. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        try {
            RedisURI.create(redisUrl);
            if (java.net.URI.create(redisUrl).getRawUserInfo() != null) {
                problems.add("REDIS_URL: must not hold a password (use REDIS_PASSWORD or REDIS_PASSWORD_FILE)");
            }
        } catch (RuntimeException e) {
            // The value itself is not repeated: a malformed URL may still hold a password.
            problems.add("REDIS_URL: must be a redis://host:port, rediss://host:port or redis-sentinel:// URL; the value does not parse");
        }
        if (!keyPrefix.matches("[A-Za-z0-9._:/-]{1,64}")) {
            problems.add("CACHE_KEY_PREFIX: must be 1-64 characters of letters, digits and . _ : / - (no braces: they are hash tags), got '" + keyPrefix + "'");
        }
        if (stream != null && !stream.matches("[A-Za-z0-9._:/-]{1,64}")) {
            problems.add("CACHE_STREAM: must be 1-64 characters of letters, digits and . _ : / - (or 'none'), got '" + stream + "'");
        }
        if (channel != null && channel.isBlank()) {
            problems.add("CACHE_CHANNEL: must not be blank (use 'none' to disable)");
        }
        Map<String, Duration> ttls = new LinkedHashMap<>();
        ttls.put("CACHE_RECORD_TTL", recordTtl);
        ttls.put("CACHE_STATUS_TTL", statusTtl);
        ttls.put("CACHE_SCORE_TTL", scoreTtl);
        ttls.put("CACHE_LEADERBOARD_TTL", leaderboardTtl);
        ttls.put("CACHE_STREAM_TTL", streamTtl);
        ttls.forEach((name, ttl) -> {
            if (ttl.isNegative() || (!ttl.isZero() && ttl.toMillis() < 1000)) {
                problems.add(name + ": must be 0 (no TTL) or at least 1s, got " + ttl);
            }
        });
        return problems;
    }

    /** The connection settings for Lettuce: URL, credentials and timeout. */
    public RedisURI redisUri() {
        RedisURI uri = RedisURI.create(redisUrl);
        if (redisPassword.isPresent()) {
            if (redisUsername != null) uri.setAuthentication(redisUsername, redisPassword.value());
            else uri.setAuthentication(redisPassword.value());
        }
        uri.setTimeout(redisTimeout);
        return uri;
    }

    /** host:port (or the sentinel list) for logs: never credentials. */
    public String redisEndpoint() {
        try {
            RedisURI uri = RedisURI.create(redisUrl);
            return Optional.ofNullable(uri.getHost()).map(h -> h + ":" + uri.getPort())
                    .orElseGet(() -> "sentinels " + uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).toList()
                            + " master " + uri.getSentinelMasterId());
        } catch (RuntimeException e) {
            return "(invalid REDIS_URL)";
        }
    }

    public CacheKeys keys() {
        return new CacheKeys(keyPrefix, stream);
    }

    public List<String> topics() {
        return List.of(enrichedTopic, controlStatusTopic, scoresTopic);
    }

    public CacheSinkConfig withKeyPrefix(String prefix) {
        return new CacheSinkConfig(redisUrl, redisUsername, redisPassword, redisTimeout, prefix, recordTtl, statusTtl, scoreTtl,
                leaderboardTtl, streamTtl, stream, streamMaxLen, channel, scriptEvents, enrichedTopic, controlStatusTopic, scoresTopic);
    }
}
