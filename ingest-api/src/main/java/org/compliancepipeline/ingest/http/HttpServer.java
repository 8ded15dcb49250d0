package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;
import org.compliancepipeline.platform.http.Resources;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import org.compliancepipeline.ingest.IngestMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP server (Javalin on Jetty 12, a virtual thread per request): routes, the one place where
 * errors become JSON answers, request metrics, and a drain on stop (new requests get 503 while
 * the ones in flight finish and get their acknowledgements).
 */
public final class HttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

    /** Every route, as documented in openapi.json (a test keeps the two in step). */
    public static final List<String> ROUTES = List.of(
            "POST /v1/records", "POST /v1/records:batch", "POST /v1/records:stream", "POST /v1/oscal/assessment-results",
            "GET /openapi.json", "GET /docs");

    private final Javalin app;
    private final IngestMetrics metrics;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final Duration retryAfterStopping;

    private HttpServer(RecordEndpoints records, RecordStream stream, IngestMetrics metrics, Duration retryAfterStopping) {
        this.metrics = metrics;
        this.retryAfterStopping = retryAfterStopping;
        byte[] openApi = resource("openapi.json");
        byte[] docs = Resources.apiDocsPage();
        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.concurrency.useVirtualThreads = true;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.http.prefer405over404 = true;
            config.routes.post("/v1/records", measured(RecordEndpoints.ROUTE_ONE, records::one));
            config.routes.post("/v1/records:batch", measured(RecordEndpoints.ROUTE_BATCH, records::batch));
            config.routes.post("/v1/records:stream", measured(RecordStream.ROUTE, stream::handle));
            config.routes.post("/v1/oscal/assessment-results", measured(RecordEndpoints.ROUTE_OSCAL, records::oscal));
            config.routes.get("/openapi.json", measured("openapi", ctx -> ctx.contentType("application/json").result(openApi)));
            config.routes.get("/docs", measured("docs", ctx -> ctx.contentType("text/html; charset=utf-8").result(docs)));
            config.routes.error(404, ctx -> {
                respond(ctx, ApiError.of(404, "not_found", "no route " + ctx.method() + " " + ctx.path() + "; see /openapi.json"));
                metrics.request("unmatched", 404, 0);
            });
            config.routes.error(405, ctx -> {
                respond(ctx, ApiError.of(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path() + "; see /openapi.json"));
                metrics.request("unmatched", 405, 0);
            });
        });
    }

    public static HttpServer start(String host, int port, RecordEndpoints records, RecordStream stream, IngestMetrics metrics,
                                   Duration retryAfterStopping) {
        HttpServer server = new HttpServer(records, stream, metrics, retryAfterStopping);
        server.app.start(host, port);
        log.info("ingest API on http://{}:{} (docs at /docs)", host, server.port());
        return server;
    }

    public int port() {
        return app.port();
    }

    /** Wraps a handler: counts it in flight, turns errors into answers, records route and status. */
    private Handler measured(String route, Handler handler) {
        return ctx -> {
            long start = System.nanoTime();
            inFlight.incrementAndGet();
            try {
                if (stopping.get()) throw ApiError.of(503, "shutting_down", "this instance is stopping; retry").retryAfter(retryAfterStopping);
                handler.handle(ctx);
            } catch (ApiError e) {
                respond(ctx, e);
            } catch (Exception e) {
                log.error("{} {} failed", ctx.method(), ctx.path(), e);
                respond(ctx, ApiError.of(500, "internal_error", "the request failed inside the service; nothing more is known"));
            } finally {
                inFlight.decrementAndGet();
                long nanos = System.nanoTime() - start;
                metrics.request(route, ctx.statusCode(), nanos);
                // Never the Authorization header: the key's id is resolved by the endpoints, not logged here.
                if (log.isDebugEnabled()) log.debug("{} {} {} {} ms", ctx.method(), ctx.path(), ctx.statusCode(), nanos / 1_000_000);
            }
        };
    }

    private static void respond(Context ctx, ApiError e) {
        if (ctx.res().isCommitted()) {
            log.debug("cannot answer {} after the response started: {}", e.status(), e.getMessage());
            return;
        }
        ctx.status(e.status());
        ctx.contentType("application/json");
        if (e.retryAfter() != null) ctx.header("Retry-After", String.valueOf(ApiError.retryAfterSeconds(e.retryAfter())));
        Object auth = e.details().get("wwwAuthenticate");
        if (auth != null) ctx.header("WWW-Authenticate", auth.toString());
        // An error before the body was read: close the connection rather than drain an unread body.
        if (e.status() == 413) ctx.header("Connection", "close");
        ctx.result(ResultsJson.error(e));
    }

    private static byte[] resource(String name) {
        return Resources.read(HttpServer.class, name);
    }

    /** Refuses new requests, waits up to {@code grace} for those in flight, then stops the server. */
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
        if (inFlight.get() > 0) log.warn("{} requests still in flight after {}; stopping anyway", inFlight.get(), grace);
        app.stop();
    }

    @Override
    public void close() {
        drainAndStop(Duration.ofSeconds(30));
    }
}
