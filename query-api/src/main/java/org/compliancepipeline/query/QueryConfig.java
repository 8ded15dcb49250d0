package org.compliancepipeline.query;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.schemas.Topics;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything the query API is configured with, read from environment variables (table in the
 * module README). Store endpoints use the same variable names as the sinks that fill them.
 *
 * @param scoreCacheTtl     how long a score computed from PostgreSQL on a Redis miss stays cached
 * @param maxPageSize       largest {@code size} of a search page or a list
 * @param storeTimeout      longest one store call may take before the route answers 503
 */
public record QueryConfig(
        String httpHost, int httpPort,
        Path apiKeysFile, Duration apiKeysReload, double defaultRatePerSecond, double defaultBurst, boolean rateLimitWhenRedisDown,
        String redisUrl, Secret redisPassword, String cachePrefix, String cacheStream,
        String postgresUrl, String postgresUser, Secret postgresPassword, int postgresPoolSize,
        List<String> elasticsearchUrls, Secret elasticsearchApiKey, String elasticsearchUsername, Secret elasticsearchPassword,
        String indexPrefix,
        String auditTopic, String controlsTopic,
        Duration scoreCacheTtl, int maxPageSize, Duration storeTimeout) {

    private static final Pattern INDEX_PREFIX = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");

    public QueryConfig {
        elasticsearchUrls = List.copyOf(elasticsearchUrls);
    }

    /** Reads the configuration; call {@code env.validate()} afterwards to report every bad variable at once. */
    public static QueryConfig fromEnv(Env env) {
        List<String> problems = new ArrayList<>();
        String keysFile = env.required("QUERY_API_KEYS_FILE",
                "path of the API keys file; keys need the scope query:read (ApiKeyTool create --scope query:read)");
        String rawUrls = env.string("ELASTICSEARCH_URL", "http://127.0.0.1:9200");
        List<String> urls = new ArrayList<>();
        for (String u : rawUrls.split(",")) {
            try {
                URI uri = URI.create(u.trim());
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) throw new IllegalArgumentException();
                urls.add(u.trim());
            } catch (IllegalArgumentException e) {
                problems.add("ELASTICSEARCH_URL: must be http(s)://host[:port][,...], got '" + u.trim() + "'");
            }
        }
        String prefix = env.string("ELASTICSEARCH_INDEX_PREFIX", "compliance");
        if (!INDEX_PREFIX.matcher(prefix).matches()) {
            problems.add("ELASTICSEARCH_INDEX_PREFIX: must be 1-100 lower-case letters, digits, '.', '_' or '-', got '" + prefix + "'");
        }
        String redisUrl = env.string("REDIS_URL", "redis://127.0.0.1:6379");
        if (!redisUrl.startsWith("redis://") && !redisUrl.startsWith("rediss://") && !redisUrl.startsWith("redis-sentinel://")) {
            problems.add("REDIS_URL: must start with redis://, rediss:// or redis-sentinel://, got '" + redisUrl + "'");
        }
        String postgresUrl = env.string("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/compliance");
        if (!postgresUrl.startsWith("jdbc:postgresql://")) {
            problems.add("POSTGRES_URL: must be a jdbc:postgresql:// URL, got '" + postgresUrl + "'");
        }
        QueryConfig config = new QueryConfig(
                env.string("HTTP_HOST", "127.0.0.1"),
                env.port("HTTP_PORT", 8081),
                keysFile == null ? null : Path.of(keysFile),
                env.duration("QUERY_API_KEYS_RELOAD", Duration.ofSeconds(2)),
                env.decimal("QUERY_DEFAULT_RATE", 200, 0.001, 1e9),
                env.decimal("QUERY_DEFAULT_BURST", 400, 1, 1e9),
                env.choice("QUERY_RATE_LIMIT_WHEN_REDIS_DOWN", RedisDownPolicy.ALLOW, RedisDownPolicy.class) == RedisDownPolicy.ALLOW,
                redisUrl,
                env.secret("REDIS_PASSWORD", null),
                env.string("CACHE_KEY_PREFIX", "cp:"),
                env.string("CACHE_STREAM", "scores"),
                postgresUrl,
                env.string("POSTGRES_USER", "pipeline"),
                env.secret("POSTGRES_PASSWORD", ""),
                env.integer("POSTGRES_POOL_SIZE", 8, 1, 200),
                urls,
                env.secret("ELASTICSEARCH_API_KEY", ""),
                env.string("ELASTICSEARCH_USERNAME", ""),
                env.secret("ELASTICSEARCH_PASSWORD", ""),
                prefix,
                env.string("QUERY_AUDIT_TOPIC", Topics.QUERY_AUDIT.name()),
                env.string("TOPIC_CONTROLS", Topics.CONTROLS.name()),
                env.duration("QUERY_SCORE_CACHE_TTL", Duration.ofMinutes(5)),
                env.integer("QUERY_MAX_PAGE_SIZE", 200, 1, 10_000),
                env.duration("QUERY_STORE_TIMEOUT", Duration.ofSeconds(2)));
        if (!problems.isEmpty()) {
            problems.addAll(0, env.problems());
            throw new ConfigException(problems);
        }
        return config;
    }

    /** What rate limiting does while Redis cannot be reached: reads stay available by default. */
    public enum RedisDownPolicy { REJECT, ALLOW }

    /** A copy listening elsewhere (tests bind port 0). */
    public QueryConfig withHttp(String host, int port) {
        return new QueryConfig(host, port, apiKeysFile, apiKeysReload, defaultRatePerSecond, defaultBurst, rateLimitWhenRedisDown,
                redisUrl, redisPassword, cachePrefix, cacheStream, postgresUrl, postgresUser, postgresPassword, postgresPoolSize,
                elasticsearchUrls, elasticsearchApiKey, elasticsearchUsername, elasticsearchPassword, indexPrefix, auditTopic,
                controlsTopic, scoreCacheTtl, maxPageSize, storeTimeout);
    }

    public String recordsAlias() {
        return indexPrefix + "-records";
    }
}
