package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.compliancepipeline.ingest.kafka.BrokerProbe;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With the broker stopped, requests are answered 503 with Retry-After within a bounded time,
 * never hang and never claim success; after the broker restarts, requests succeed again. Runs
 * on a broker of its own, so stopping it disturbs no other test.
 */
@RealInfra
class BrokerDownIT {
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(4);
    /** A request waits at most for its records to expire, plus the time to answer. */
    private static final Duration BOUND = DELIVERY_TIMEOUT.plusSeconds(4);

    @Test
    void withTheBrokerStoppedRequestsGet503InBoundedTimeAndSucceedAgainAfterItRestarts(Infra shared) throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.KAFKA)) {
            Infra infra = new Infra("dedicated-kafka", own.infra().kafkaBootstrapServers(), shared.postgresUrl(), shared.postgresUser(),
                    shared.postgresPassword(), shared.redisHost(), shared.redisPort(), shared.redisPassword(), shared.elasticsearchUrl());
            try (IngestTestService service = IngestTestService.start(infra, Map.of(
                    "INGEST_DELIVERY_TIMEOUT", DELIVERY_TIMEOUT.toSeconds() + "s",
                    "INGEST_PRODUCER_MAX_BLOCK", "1s",
                    "INGEST_BROKER_PROBE_INTERVAL", "500ms",
                    "INGEST_RETRY_AFTER_UNAVAILABLE", "3s"))) {
                var start = service.endOffsets();
                Set<String> accepted = new HashSet<>();
                Set<String> notWritten = new HashSet<>();
                HttpResponse<String> up = service.postJson("/v1/records:batch", TestRecords.array(TestRecords.records(20)), "writer");
                assertThat(up.statusCode()).as(IngestTestService.summary(up)).isEqualTo(202);
                collect(up, accepted, notWritten);
                await().atMost(Duration.ofSeconds(30)).until(() -> service.api.broker().state() == BrokerProbe.State.READY);

                own.stop(Component.KAFKA);

                // The first requests may still find the producer's metadata warm: their records wait in
                // the buffer and expire after the delivery timeout. Either way: 503 within the bound.
                List<ObjectNode> batch = TestRecords.records(50);
                long t0 = System.nanoTime();
                HttpResponse<String> down = service.postJson("/v1/records:batch", TestRecords.array(batch), "writer");
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertThat(took).as("answered in bounded time").isLessThan(BOUND);
                assertThat(down.statusCode()).as(IngestTestService.summary(down)).isEqualTo(503);
                assertThat(down.headers().firstValue("Retry-After")).hasValue("3");
                JsonNode body = TestRecords.JSON.readTree(down.body());
                assertThat(body.get("error").asText()).isEqualTo("kafka_unavailable");
                assertThat(body.get("unavailable").asInt()).isEqualTo(50);
                assertThat(body.get("results").get(0).get("recordId").asText()).as("the id to retry with")
                        .isEqualTo(batch.get(0).get("recordId").asText());
                collect(down, accepted, notWritten);

                // Once the probe has seen the broker gone, requests are refused at once.
                await().atMost(Duration.ofSeconds(15)).until(() -> service.api.broker().knownUnreachable());
                assertThat(service.ops("/ready").statusCode()).isEqualTo(503);
                long t1 = System.nanoTime();
                HttpResponse<String> fast = service.postJson("/v1/records", TestRecords.record(1).toString(), "writer");
                assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(2));
                assertThat(fast.statusCode()).isEqualTo(503);
                collect(fast, accepted, notWritten);
                HttpResponse<String> stream = service.post("/v1/records:stream", "application/x-ndjson",
                        (TestRecords.record(2) + "\n").getBytes(StandardCharsets.UTF_8), "writer");
                assertThat(stream.statusCode()).isEqualTo(503);
                assertThat(stream.headers().firstValue("Retry-After")).isPresent();

                own.start(Component.KAFKA);

                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
                    HttpResponse<String> r = service.postJson("/v1/records", TestRecords.record(3).toString(), "writer");
                    collect(r, accepted, notWritten);
                    return r.statusCode() == 202;
                });
                HttpResponse<String> again = service.postJson("/v1/records:batch", TestRecords.array(TestRecords.records(20)), "writer");
                assertThat(again.statusCode()).isEqualTo(202);
                collect(again, accepted, notWritten);
                assertThat(service.ops("/ready").statusCode()).isEqualTo(200);

                Set<String> landed = new HashSet<>();
                for (ConsumerRecord<String, ComplianceRecord> r : service.readSince(start)) landed.add(r.value().getRecordId());
                assertThat(landed).as("every record answered accepted is in Kafka").containsAll(accepted);
                assertThat(landed).as("no record answered unavailable was written").doesNotContainAnyElementsOf(notWritten);
            }
        }
    }

    private static void collect(HttpResponse<String> r, Set<String> accepted, Set<String> notWritten) {
        try {
            JsonNode body = TestRecords.JSON.readTree(r.body());
            if (body.get("results") == null) return;
            List<JsonNode> results = new ArrayList<>();
            body.get("results").forEach(results::add);
            for (JsonNode x : results) {
                String id = x.path("recordId").asText(null);
                if (id == null) continue;
                if (x.get("status").asText().equals("accepted")) accepted.add(id);
                else if (x.get("status").asText().equals("unavailable")) notWritten.add(id);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
