package org.compliancepipeline.cli.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The HTTP sender against a scripted ingest API on loopback: per-record results, Retry-After, only the rest sent again. */
class HttpSenderTest {
    static final ObjectMapper JSON = new ObjectMapper();

    HttpServer server;
    final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();

    URI serve(Function<Integer, Answer> script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/records:batch", exchange -> {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            bodies.add(body);
            authorizations.add(exchange.getRequestHeaders().getFirst("Authorization"));
            Answer a = script.apply(bodies.size());
            reply(exchange, a, body);
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** status code, Retry-After, and per record (by position in the request) "accepted", "rejected" or "unavailable"; null: an error body. */
    record Answer(int status, String retryAfter, Function<Integer, String> perRecord) { }

    static void reply(HttpExchange exchange, Answer a, JsonNode request) throws IOException {
        var out = JSON.createObjectNode();
        if (a.perRecord() != null) {
            var results = out.putArray("results");
            for (int i = 0; i < request.size(); i++) results.addObject().put("index", i).put("status", a.perRecord().apply(i));
        } else {
            out.put("error", "rate_limited");
        }
        if (a.retryAfter() != null) exchange.getResponseHeaders().add("Retry-After", a.retryAfter());
        byte[] bytes = out.toString().getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(a.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    static List<RecordStream.Generated> batch(int n) {
        return new RecordStream(RecordStreamTest.options(1, 0, 0, 0, 9)).next(n, RecordStreamTest.T0);
    }

    @Test
    void perRecordResultsAreReportedInBatchOrderWithTheBearerKey() throws Exception {
        URI api = serve(call -> new Answer(202, null, i -> i == 1 ? "rejected" : "accepted"));
        try (HttpSender sender = new HttpSender(api, "cpk_test", Duration.ofSeconds(5))) {
            Sender.Outcome o = sender.send(batch(3));
            assertThat(o.results()).containsExactly(Sender.Result.ACCEPTED, Sender.Result.REJECTED, Sender.Result.ACCEPTED);
            assertThat(o.retries()).isZero();
        }
        assertThat(authorizations).containsExactly("Bearer cpk_test");
        assertThat(bodies.getFirst()).hasSize(3);
    }

    @Test
    void a429WithResultsIsRetriedAfterRetryAfterWithOnlyTheRecordsNotAccepted() throws Exception {
        // first answer: record 0 accepted, 1 and 2 refused for now; second answer: all accepted
        URI api = serve(call -> call == 1 ? new Answer(429, "1", i -> i == 0 ? "accepted" : "unavailable")
                : new Answer(202, null, i -> "accepted"));
        List<RecordStream.Generated> batch = batch(3);
        long started = System.nanoTime();
        try (HttpSender sender = new HttpSender(api, "k", Duration.ofSeconds(10))) {
            Sender.Outcome o = sender.send(batch);
            assertThat(o.results()).containsOnly(Sender.Result.ACCEPTED);
            assertThat(o.retries()).isEqualTo(1);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(bodies).hasSize(2);
        assertThat(bodies.get(1)).hasSize(2);
        assertThat(bodies.get(1).get(0).path("recordId").asText()).isEqualTo(batch.get(1).recordId());
        assertThat(bodies.get(1).get(1).path("recordId").asText()).isEqualTo(batch.get(2).recordId());
    }

    @Test
    void a503WithoutResultsResendsTheWholeBatchAndGivesUpAfterTheRetryTime() throws Exception {
        URI api = serve(call -> new Answer(503, "1", null));
        try (HttpSender sender = new HttpSender(api, "k", Duration.ofMillis(2500))) {
            Sender.Outcome o = sender.send(batch(2));
            assertThat(o.results()).containsOnly(Sender.Result.FAILED);
            assertThat(o.retries()).isEqualTo(2);
        }
        assertThat(bodies).hasSize(3).allSatisfy(b -> assertThat(b).hasSize(2));
    }

    @Test
    void anAuthenticationErrorStopsTheRunWithTheStatus() throws Exception {
        URI api = serve(call -> new Answer(401, null, null));
        try (HttpSender sender = new HttpSender(api, "wrong", Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> sender.send(batch(1))).isInstanceOf(Sender.LoadAborted.class).hasMessageContaining("answered 401");
        }
    }

    @Test
    void anApiThatIsNotThereStopsTheRunAtOnce() throws Exception {
        URI api = serve(call -> new Answer(202, null, i -> "accepted"));
        server.stop(0);
        try (HttpSender sender = new HttpSender(api, "k", Duration.ofSeconds(30))) {
            long started = System.nanoTime();
            assertThatThrownBy(() -> sender.send(batch(1))).isInstanceOf(Sender.LoadAborted.class).hasMessageContaining("cannot reach");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
        server = null;
    }
}
