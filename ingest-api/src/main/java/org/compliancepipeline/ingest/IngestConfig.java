package org.compliancepipeline.ingest;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.schemas.Topics;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything the ingest API is configured with, read from environment variables (see the
 * module README for the table). Limits are data, so an operator tunes them without a rebuild.
 *
 * @param maxBodyBytes          largest request body of the JSON endpoints (413 above)
 * @param maxBatchRecords       most records in one {@code :batch} request (413 above)
 * @param maxLineBytes          longest NDJSON line of {@code :stream} (that line is rejected above)
 * @param maxJsonDepth          deepest JSON nesting accepted (400 above)
 * @param maxFutureSkew         how far in the future {@code observedAt} may lie
 * @param maxInflightBodyBytes  request bodies held in memory at once; a request that would exceed it gets 429
 * @param producerMaxBlock      longest a send may wait for metadata or buffer space ({@code max.block.ms})
 * @param deliveryTimeout       longest Kafka may take to acknowledge a record ({@code delivery.timeout.ms})
 * @param rateLimitWhenRedisDown {@code true}: requests pass unthrottled while Redis is unreachable; {@code false}: 503
 */
public record IngestConfig(
        String httpHost, int httpPort, String topic,
        long maxBodyBytes, int maxBatchRecords, int maxLineBytes, int maxJsonDepth,
        Duration maxFutureSkew, long maxInflightBodyBytes,
        Path apiKeysFile, Duration apiKeysReload, double defaultRatePerSecond, double defaultBurst,
        String redisUrl, Secret redisPassword, Duration redisTimeout, Duration idempotencyTtl,
        boolean rateLimitWhenRedisDown,
        Duration producerMaxBlock, Duration deliveryTimeout, Duration brokerProbeInterval,
        Duration retryAfterUnavailable, Duration retryAfterBusy,
        String oscalSource) {

    public static final String DEFAULT_OSCAL_SOURCE = "oscal-assessment-results";
    private static final Duration MIN_DELIVERY_TIMEOUT = Duration.ofSeconds(1);

    /** Reads the configuration; call {@code env.validate()} afterwards to report every bad variable at once. */
    public static IngestConfig fromEnv(Env env) {
        String keysFile = env.required("INGEST_API_KEYS_FILE",
                "path of the API keys file; create one with ApiKeyTool, see ingest-api/README.md");
        Duration deliveryTimeout = env.duration("INGEST_DELIVERY_TIMEOUT", Duration.ofSeconds(10));
        long maxBody = env.longValue("INGEST_MAX_BODY_BYTES", 8L * 1024 * 1024, 1024, 1024L * 1024 * 1024);
        long maxInflight = env.longValue("INGEST_MAX_INFLIGHT_BODY_BYTES", 256L * 1024 * 1024, 1024 * 1024, 64L * 1024 * 1024 * 1024);
        IngestConfig config = new IngestConfig(
                env.string("HTTP_HOST", "127.0.0.1"),
                env.port("HTTP_PORT", 8080),
                env.string("INGEST_TOPIC", Topics.RECORDS.name()),
                maxBody,
                env.integer("INGEST_MAX_BATCH_RECORDS", 5_000, 1, 1_000_000),
                env.integer("INGEST_MAX_LINE_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
                env.integer("INGEST_MAX_JSON_DEPTH", 64, 4, 10_000),
                env.duration("INGEST_MAX_FUTURE_SKEW", Duration.ofMinutes(5)),
                maxInflight,
                keysFile == null ? null : Path.of(keysFile),
                env.duration("INGEST_API_KEYS_RELOAD", Duration.ofSeconds(2)),
                env.decimal("INGEST_DEFAULT_RATE", 1_000, 0.001, 1e9),
                env.decimal("INGEST_DEFAULT_BURST", 10_000, 1, 1e9),
                env.string("REDIS_URL", "redis://127.0.0.1:6379"),
                env.secret("REDIS_PASSWORD", null),
                env.duration("REDIS_TIMEOUT", Duration.ofMillis(500)),
                env.duration("INGEST_IDEMPOTENCY_TTL", Duration.ofHours(24)),
                env.choice("INGEST_RATE_LIMIT_WHEN_REDIS_DOWN", RedisDownPolicy.REJECT, RedisDownPolicy.class) == RedisDownPolicy.ALLOW,
                env.duration("INGEST_PRODUCER_MAX_BLOCK", Duration.ofSeconds(2)),
                deliveryTimeout,
                env.duration("INGEST_BROKER_PROBE_INTERVAL", Duration.ofSeconds(1)),
                env.duration("INGEST_RETRY_AFTER_UNAVAILABLE", Duration.ofSeconds(5)),
                env.duration("INGEST_RETRY_AFTER_BUSY", Duration.ofSeconds(1)),
                env.string("INGEST_OSCAL_SOURCE", DEFAULT_OSCAL_SOURCE));
        // Env has no rules across variables: report these together with whatever else is wrong.
        List<String> problems = new ArrayList<>();
        if (deliveryTimeout.compareTo(MIN_DELIVERY_TIMEOUT) < 0) {
            problems.add("INGEST_DELIVERY_TIMEOUT: must be at least 1s (Kafka needs room for one request), got " + deliveryTimeout);
        }
        if (maxInflight < maxBody) {
            problems.add("INGEST_MAX_INFLIGHT_BODY_BYTES: must be at least INGEST_MAX_BODY_BYTES (" + maxBody + "), got " + maxInflight);
        }
        if (!problems.isEmpty()) {
            problems.addAll(0, env.problems());
            throw new ConfigException(problems);
        }
        return config;
    }

    /** What rate limiting does while Redis cannot be reached. */
    public enum RedisDownPolicy { REJECT, ALLOW }

    /** A copy listening elsewhere (tests bind port 0). */
    public IngestConfig withHttp(String host, int port) {
        return new IngestConfig(host, port, topic, maxBodyBytes, maxBatchRecords, maxLineBytes, maxJsonDepth, maxFutureSkew,
                maxInflightBodyBytes, apiKeysFile, apiKeysReload, defaultRatePerSecond, defaultBurst, redisUrl, redisPassword,
                redisTimeout, idempotencyTtl, rateLimitWhenRedisDown, producerMaxBlock, deliveryTimeout, brokerProbeInterval,
                retryAfterUnavailable, retryAfterBusy, oscalSource);
    }
}
