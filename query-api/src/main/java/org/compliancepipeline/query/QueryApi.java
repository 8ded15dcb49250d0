package org.compliancepipeline.query;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeyStore;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.platform.ops.OpsServer;
import org.compliancepipeline.platform.redis.RateLimiter;
import org.compliancepipeline.platform.redis.RedisGateway;
import org.compliancepipeline.query.audit.AuditTrail;
import org.compliancepipeline.query.http.LiveScores;
import org.compliancepipeline.query.http.QueryEndpoints;
import org.compliancepipeline.query.http.QueryServer;
import org.compliancepipeline.query.store.CacheStore;
import org.compliancepipeline.query.store.ControlCatalog;
import org.compliancepipeline.query.store.HistoryStore;
import org.compliancepipeline.query.store.SearchStore;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The query API wired together, explicitly: keys, the three stores, the catalog, the audit trail,
 * the endpoints and the server. {@link QueryApiMain} starts it for production; tests start the
 * same thing in-process on port 0. Each store may be down at start: only its routes answer 503.
 */
public final class QueryApi implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final QueryServer server;
    private final ApiKeyStore keys;
    private final RedisGateway redis;
    private final HistoryStore history;
    private final SearchStore search;
    private final ControlCatalog catalog;
    private final Duration drainGrace;

    private QueryApi(QueryConfig config, KafkaClients kafka, MeterRegistry registry, Duration drainGrace) {
        this.drainGrace = drainGrace;
        try {
            keys = own(ApiKeyStore.open(config.apiKeysFile(), config.apiKeysReload()));
            redis = own(RedisGateway.connect(config.redisUrl(), config.redisPassword(), config.storeTimeout(), Duration.ofSeconds(1)));
            history = own(new HistoryStore(config.postgresUrl(), config.postgresUser(), config.postgresPassword(), config.postgresPoolSize(),
                    config.storeTimeout(), registry));
            search = own(new SearchStore(config.elasticsearchUrls(), config.elasticsearchApiKey(), config.elasticsearchUsername(),
                    config.elasticsearchPassword(), config.recordsAlias(), config.storeTimeout()));
            catalog = own(new ControlCatalog(kafka, config.controlsTopic()));
            AuditTrail audit = own(new AuditTrail(kafka, config.auditTopic(), registry));
            CacheStore cache = new CacheStore(redis, config.cachePrefix(), config.cacheStream());
            RateLimiter limiter = new RateLimiter(redis, new ApiKey.RateLimit(config.defaultRatePerSecond(), config.defaultBurst()),
                    config.rateLimitWhenRedisDown(), "query:ratelimit:");
            QueryEndpoints endpoints = new QueryEndpoints(cache, history, search, catalog, config.scoreCacheTtl(), config.maxPageSize(), registry);
            LiveScores live = new LiveScores(cache, Duration.ofMillis(250), Duration.ofMinutes(10));
            Gauge.builder("query.redis.reachable", redis, r -> r.reachable() ? 1 : 0).register(registry);
            Gauge.builder("query.catalog.controls", catalog, ControlCatalog::size).register(registry);
            server = own(QueryServer.start(config.httpHost(), config.httpPort(), endpoints, live, keys, limiter, audit, registry));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static QueryApi start(QueryConfig config, KafkaClients kafka, MeterRegistry registry, Duration drainGrace) {
        return new QueryApi(config, kafka, registry, drainGrace);
    }

    public int port() {
        return server.port();
    }

    public ControlCatalog catalog() {
        return catalog;
    }

    /**
     * Readiness: the service answers while any store is down (those routes answer 503), so only the
     * keys and the server decide it; each store's state is reported in the detail.
     */
    public void registerChecks(OpsServer ops) {
        ops.register("api-keys", keys.healthCheck());
        ops.register("redis", informational(redis.healthCheck()));
        ops.register("postgresql", informational(history.healthCheck()));
        ops.register("elasticsearch", informational(() -> search.reachable() ? HealthCheck.Result.ready("reachable")
                : HealthCheck.Result.notReady("not reachable")));
        ops.register("control-catalog", informational(catalog.healthCheck()));
    }

    private static HealthCheck informational(HealthCheck check) {
        return () -> {
            HealthCheck.Result r = check.check();
            return r.ready() ? r : HealthCheck.Result.ready("degraded: " + r.detail() + " (its routes answer 503)");
        };
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void close() {
        AutoCloseable r;
        while ((r = resources.poll()) != null) {
            try {
                if (r instanceof QueryServer s) s.drainAndStop(drainGrace);
                else r.close();
            } catch (Exception ignored) {
                // keep closing the rest
            }
        }
    }
}
