package org.compliancepipeline.platform.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The operations endpoint every service runs, on its own port:
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 while the process serves requests and is not shutting down;</li>
 *   <li>{@code GET /ready}: 200 only when every registered {@link HealthCheck} is ready, else 503,
 *       with each check's state in the JSON body;</li>
 *   <li>{@code GET /metrics}: Prometheus text exposition.</li>
 * </ul>
 */
public final class OpsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpsServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final PrometheusMeterRegistry registry;
    private final Map<String, HealthCheck> checks = new ConcurrentHashMap<>();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean started = new AtomicBoolean();

    private OpsServer(HttpServer server, PrometheusMeterRegistry registry) {
        this.server = server;
        this.registry = registry;
        server.setExecutor(executor);
        server.createContext("/health", this::health);
        server.createContext("/ready", this::ready);
        server.createContext("/metrics", this::metrics);
    }

    public static OpsServer start(String host, int port, PrometheusMeterRegistry registry) throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(host, port), 64);
        OpsServer ops = new OpsServer(http, registry);
        http.start();
        log.info("ops endpoint on http://{}:{} (/health /ready /metrics)", host, ops.port());
        return ops;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void register(String name, HealthCheck check) {
        checks.put(name, check);
    }

    /**
     * The service has started and registered its checks: until then /ready answers 503
     * ({@code STARTING}), so nothing is sent to a service whose API is not listening yet nor
     * judged ready on an empty list of checks.
     */
    public void markStarted() {
        started.set(true);
    }

    /** From now on /ready and /health answer 503: the load balancer stops sending work. */
    public void markStopping() {
        stopping.set(true);
    }

    public boolean isReady() {
        return started.get() && !stopping.get() && checks.values().stream().allMatch(c -> safe(c).ready());
    }

    private void health(HttpExchange ex) throws IOException {
        if (!allowGet(ex)) return;
        ObjectNode body = JSON.createObjectNode().put("status", stopping.get() ? "STOPPING" : "UP");
        send(ex, stopping.get() ? 503 : 200, "application/json", body.toString());
    }

    private void ready(HttpExchange ex) throws IOException {
        if (!allowGet(ex)) return;
        ObjectNode body = JSON.createObjectNode();
        ObjectNode detail = body.putObject("checks");
        boolean ready = started.get() && !stopping.get();
        for (var e : new java.util.TreeMap<>(checks).entrySet()) {
            HealthCheck.Result r = safe(e.getValue());
            detail.putObject(e.getKey()).put("ready", r.ready()).put("detail", r.detail());
            ready &= r.ready();
        }
        body.put("status", stopping.get() ? "STOPPING" : !started.get() ? "STARTING" : ready ? "READY" : "NOT_READY");
        send(ex, ready ? 200 : 503, "application/json", body.toString());
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!allowGet(ex)) return;
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
    }

    private static HealthCheck.Result safe(HealthCheck check) {
        try {
            return check.check();
        } catch (RuntimeException e) {
            return HealthCheck.Result.notReady("check failed: " + e);
        }
    }

    private static boolean allowGet(HttpExchange ex) throws IOException {
        if ("GET".equals(ex.getRequestMethod()) || "HEAD".equals(ex.getRequestMethod())) return true;
        ex.getResponseHeaders().add("Allow", "GET, HEAD");
        send(ex, 405, "text/plain", "method not allowed\n");
        return false;
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", contentType);
        ex.getResponseHeaders().add("Cache-Control", "no-store");
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            if (!head) out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
