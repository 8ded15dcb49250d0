package org.compliancepipeline.query.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeyStore;
import org.compliancepipeline.platform.auth.BearerAuth;
import org.compliancepipeline.platform.http.ApiError;
import org.compliancepipeline.platform.http.Resources;
import org.compliancepipeline.platform.redis.RateLimiter;
import org.compliancepipeline.query.audit.AuditTrail;
import org.compliancepipeline.query.store.StoreDown;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP server of the query API (Javalin, a virtual thread per request). Every /v1 request goes
 * through the same steps: API key with scope {@code query:read}, the key's rate limit in Redis,
 * parameters, the route, then one audit record with what was asked and answered, whatever the outcome.
 */
public final class QueryServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueryServer.class);
    static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** Every route, as documented in openapi.json (a test keeps the two in step). */
    public static final List<String> ROUTES = List.of(QueryEndpoints.SEARCH, QueryEndpoints.SCORE, QueryEndpoints.CONTROLS,
            QueryEndpoints.TIMESERIES, QueryEndpoints.RECORD, QueryEndpoints.LEADERBOARD, QueryEndpoints.LIVE,
            "GET /openapi.json", "GET /docs");

    private interface Route {
        Answer handle(Context ctx, ApiKey key, Params params);
    }

    private final Javalin app;
    private final ApiKeyStore keys;
    private final RateLimiter rateLimiter;
    private final AuditTrail audit;
    private final MeterRegistry registry;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();

    private QueryServer(QueryEndpoints q, LiveScores live, ApiKeyStore keys, RateLimiter rateLimiter, AuditTrail audit, MeterRegistry registry) {
        this.keys = keys;
        this.rateLimiter = rateLimiter;
        this.audit = audit;
        this.registry = registry;
        byte[] openApi = resource("openapi.json");
        byte[] docs = Resources.apiDocsPage();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.prefer405over404 = true;
            config.routes.get("/v1/search", api(QueryEndpoints.SEARCH, QueryEndpoints.SEARCH_PARAMS, q::search));
            config.routes.get("/v1/orgs/{org}/frameworks/{fw}/score", api(QueryEndpoints.SCORE, Set.of(), q::score));
            config.routes.get("/v1/orgs/{org}/frameworks/{fw}/controls", api(QueryEndpoints.CONTROLS, Set.of("status", "family"), q::controls));
            config.routes.get("/v1/orgs/{org}/frameworks/{fw}/timeseries", api(QueryEndpoints.TIMESERIES, Set.of("from", "to", "bucket"), q::timeseries));
            config.routes.get("/v1/records/{recordId}", api(QueryEndpoints.RECORD, Set.of(), q::record));
            config.routes.get("/v1/leaderboard/{fw}", api(QueryEndpoints.LEADERBOARD, Set.of("limit"), q::leaderboard));
            config.routes.get("/v1/live/scores/{fw}", ctx -> live(ctx, live));
            config.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            config.routes.get("/docs", ctx -> ctx.contentType("text/html; charset=utf-8").result(docs));
            config.routes.get("/", ctx -> ctx.redirect("/console/"));
            config.routes.get("/console/", ctx -> Console.serve(ctx, "index.html"));
            config.routes.get("/console/{file}", ctx -> Console.serve(ctx, ctx.pathParam("file")));
            config.routes.error(404, ctx -> {
                if (!ctx.res().isCommitted() && ctx.result() == null) {
                    respond(ctx, ApiError.of(404, "not_found", "no route " + ctx.method() + " " + ctx.path() + "; see /openapi.json"));
                }
            });
            config.routes.error(405, ctx -> respond(ctx, ApiError.of(405, "method_not_allowed",
                    ctx.method() + " is not allowed on " + ctx.path() + "; see /openapi.json")));
        });
    }

    public static QueryServer start(String host, int port, QueryEndpoints endpoints, LiveScores live, ApiKeyStore keys,
                                    RateLimiter rateLimiter, AuditTrail audit, MeterRegistry registry) {
        QueryServer server = new QueryServer(endpoints, live, keys, rateLimiter, audit, registry);
        server.app.start(host, port);
        log.info("query API on http://{}:{} (docs at /docs, console at /console/)", host, server.port());
        return server;
    }

    public int port() {
        return app.port();
    }

    private io.javalin.http.Handler api(String route, Set<String> knownParams, Route handler) {
        return ctx -> {
            long start = System.nanoTime();
            Instant at = Instant.now();
            inFlight.incrementAndGet();
            ApiKey key = null;
            Map<String, String> parameters = rawParameters(ctx);
            Answer answer = null;
            try {
                if (stopping.get()) throw ApiError.of(503, "shutting_down", "this instance is stopping; retry").retryAfter(Duration.ofSeconds(1));
                key = authenticate(ctx);
                limit(key);
                Params params = Params.of(ctx, knownParams);
                answer = handler.handle(ctx, key, params);
                ctx.status(200).contentType("application/json").result(JSON.writeValueAsBytes(answer.body()));
            } catch (ApiError e) {
                respond(ctx, e);
            } catch (StoreDown e) {
                respond(ctx, ApiError.of(503, "store_unavailable", e.store() + " cannot answer now; routes that need other stores still answer")
                        .with("store", e.store()).retryAfter(Duration.ofSeconds(2)));
            } catch (Exception e) {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                respond(ctx, ApiError.of(500, "internal_error", "the request failed inside the service; nothing more is known"));
            } finally {
                inFlight.decrementAndGet();
                long nanos = System.nanoTime() - start;
                timer(route, ctx.statusCode()).record(nanos, TimeUnit.NANOSECONDS);
                audit.record(new AuditTrail.Entry(key == null ? null : key.id(), route, parameters,
                        key == null ? List.of() : key.orgs(), ctx.statusCode(), answer == null ? 0 : answer.count(),
                        answer == null ? null : answer.source(), at, nanos / 1_000));
            }
        };
    }

    private static Map<String, String> rawParameters(Context ctx) {
        Map<String, String> m = new java.util.TreeMap<>(ctx.pathParamMap());
        ctx.queryParamMap().forEach((k, v) -> m.put(k, String.join(",", v)));
        return m;
    }

    private void live(Context ctx, LiveScores live) throws IOException {
        Instant at = Instant.now();
        ApiKey key = null;
        try {
            key = authenticate(ctx);
            limit(key);
            Params params = Params.of(ctx, Set.of());
            String fw = params.pathId("fw");
            audit.record(new AuditTrail.Entry(key.id(), QueryEndpoints.LIVE, params.all(), key.orgs(), 200, 0, "redis", at, 0));
            live.stream(ctx, key, fw, stopping);
        } catch (ApiError e) {
            respond(ctx, e);
            audit.record(new AuditTrail.Entry(key == null ? null : key.id(), QueryEndpoints.LIVE, rawParameters(ctx),
                    key == null ? List.of() : key.orgs(), e.status(), 0, null, at, 0));
        }
    }

    private Timer timer(String route, int status) {
        return timers.computeIfAbsent(route + " " + status, k -> Timer.builder("query.http.requests")
                .tag("route", route).tag("status", String.valueOf(status))
                .publishPercentiles(0.5, 0.99).register(registry));
    }

    /** The caller's key, which must hold {@code query:read}; 401/403 otherwise. The secret is never logged. */
    ApiKey authenticate(Context ctx) {
        return BearerAuth.authenticate(keys, ctx.header("Authorization"), ApiKey.QUERY_READ, "query-api");
    }

    private void limit(ApiKey key) {
        switch (rateLimiter.acquire(key, 1)) {
            case RateLimiter.Decision.Allowed a -> { }
            case RateLimiter.Decision.Limited l -> throw ApiError.of(429, "rate_limited",
                            "API key '" + key.id() + "' exceeded its rate limit of " + l.limit().perSecond() + " requests/s (burst " + l.limit().burst() + ")")
                    .retryAfter(l.retryAfter());
            case RateLimiter.Decision.Unknown u -> throw ApiError.of(503, "store_unavailable", u.reason()).with("store", "redis")
                    .retryAfter(Duration.ofSeconds(2));
        }
    }

    static void respond(Context ctx, ApiError e) {
        if (ctx.res().isCommitted()) return;
        ctx.status(e.status());
        ctx.contentType("application/json");
        if (e.retryAfter() != null) ctx.header("Retry-After", String.valueOf(ApiError.retryAfterSeconds(e.retryAfter())));
        Object auth = e.details().get("wwwAuthenticate");
        if (auth != null) ctx.header("WWW-Authenticate", auth.toString());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.code());
        body.put("message", e.getMessage());
        if (e.retryAfter() != null) body.put("retryAfterSeconds", ApiError.retryAfterSeconds(e.retryAfter()));
        e.details().forEach((k, v) -> { if (!k.equals("wwwAuthenticate")) body.put(k, v); });
        try {
            ctx.result(JSON.writeValueAsBytes(body));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static byte[] resource(String name) {
        return Resources.read(QueryServer.class, name);
    }

    /** Refuses new requests, waits up to {@code grace} for those in flight (live streams end), then stops. */
    public void drainAndStop(Duration grace) {
        stopping.set(true);
        long deadline = System.nanoTime() + grace.toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        app.stop();
    }

    @Override
    public void close() {
        drainAndStop(Duration.ofSeconds(10));
    }
}
