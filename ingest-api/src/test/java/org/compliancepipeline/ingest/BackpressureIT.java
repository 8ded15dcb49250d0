package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Request bodies held in memory are bounded as a whole: beyond the bound, a 429 with Retry-After, not a heap full of bodies. */
@RealInfra
class BackpressureIT {

    @Test
    void whenTheServiceHoldsAllTheBodiesItMayMoreRequestsGet429(Infra infra) throws Exception {
        try (IngestTestService service = IngestTestService.start(infra, Map.of(
                "INGEST_MAX_BODY_BYTES", "1048576", "INGEST_MAX_INFLIGHT_BODY_BYTES", "1048576"))) {
            // A chunked upload (no Content-Length) reserves the whole limit while it trickles in.
            PipedOutputStream upload = new PipedOutputStream();
            PipedInputStream body = new PipedInputStream(upload, 64 * 1024);
            upload.write("[".getBytes(StandardCharsets.UTF_8));
            upload.flush();
            CompletableFuture<HttpResponse<String>> slow = service.http().sendAsync(HttpRequest.newBuilder(service.uri("/v1/records:batch"))
                    .header("Authorization", "Bearer " + service.secrets.get("writer")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());

            await().atMost(Duration.ofSeconds(10)).until(() -> {
                HttpResponse<String> r = service.postJson("/v1/records", TestRecords.record(1).toString(), "writer");
                return r.statusCode() == 429;
            });
            HttpResponse<String> busy = service.postJson("/v1/records", TestRecords.record(2).toString(), "writer");
            assertThat(busy.statusCode()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            JsonNode error = TestRecords.JSON.readTree(busy.body());
            assertThat(error.get("error").asText()).isEqualTo("server_busy");

            upload.write((TestRecords.record(3) + "]").getBytes(StandardCharsets.UTF_8));
            upload.close();
            assertThat(slow.get().statusCode()).isEqualTo(202);
            assertThat(service.postJson("/v1/records", TestRecords.record(4).toString(), "writer").statusCode())
                    .as("the budget is released").isEqualTo(202);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
