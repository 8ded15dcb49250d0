package org.compliancepipeline.platform.ops;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class OpsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private PrometheusMeterRegistry registry;
    private OpsServer ops;

    @BeforeEach
    void start() throws Exception {
        registry = ServiceMetrics.create("test-service", "i-1");
        ops = OpsServer.start("127.0.0.1", 0, registry);
        ops.markStarted();
    }

    @AfterEach
    void stop() {
        ops.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIsUpWhileServing() throws Exception {
        var r = get("/health");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"UP\"");
    }

    @Test
    void notReadyUntilTheServiceSaysItStartedEvenWithNoChecksYet() throws Exception {
        try (OpsServer starting = OpsServer.start("127.0.0.1", 0, registry)) {
            var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + starting.port() + "/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.body()).contains("STARTING");
            assertThat(starting.isReady()).isFalse();

            starting.markStarted();
            assertThat(starting.isReady()).isTrue();
        }
    }

    @Test
    void readyFollowsItsChecks() throws Exception {
        AtomicBoolean kafkaUp = new AtomicBoolean(false);
        ops.register("kafka", () -> kafkaUp.get() ? HealthCheck.Result.ready("connected")
                : HealthCheck.Result.notReady("no broker reachable at 127.0.0.1:9092"));
        var notReady = get("/ready");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(notReady.body()).contains("NOT_READY").contains("no broker reachable");

        kafkaUp.set(true);
        var ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).contains("\"READY\"").contains("connected");
    }

    @Test
    void aCheckThatThrowsIsNotReadyNotAnError() throws Exception {
        ops.register("broken", () -> { throw new IllegalStateException("boom"); });
        var r = get("/ready");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("boom");
    }

    @Test
    void stoppingTurnsHealthAndReadinessOff() throws Exception {
        ops.markStopping();
        assertThat(get("/health").statusCode()).isEqualTo(503);
        assertThat(get("/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void metricsExposeJvmMetricsWithServiceTags() throws Exception {
        registry.counter("pipeline_test_events").increment(3);
        var r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        assertThat(r.body())
                .contains("jvm_memory_used_bytes")
                .contains("process_uptime_seconds")
                .contains("service=\"test-service\"")
                .contains("pipeline_test_events_total");
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops.port() + "/ready"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
    }
}
