package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Request bodies held in memory are bounded as a whole: beyond the bound, a 429 with Retry-After, not a heap full of bodies. */
@RealInfra
class BackpressureIT {

    @Test
    void whenTheServiceHoldsAllTheBodiesItMayMoreRequestsGet429(Infra infra) throws Exception {
        try (IngestTestService service = IngestTestService.start(infra, Map.of(
                "INGEST_MAX_BODY_BYTES", "1048576", "INGEST_MAX_INFLIGHT_BODY_BYTES", "1048576"));
             // A chunked upload (no Content-Length) reserves the whole limit while it trickles in. Written on a raw
             // socket so the test controls exactly which bytes the server has seen.
             Socket slow = new Socket("127.0.0.1", service.uri("/").getPort())) {
            slow.setSoTimeout(30_000);
            OutputStream upload = slow.getOutputStream();
            URI target = service.uri("/v1/records:batch");
            upload.write(("POST " + target.getRawPath() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + service.secrets.get("writer") + "\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk("[")).getBytes(StandardCharsets.UTF_8));
            upload.flush();

            await().atMost(Duration.ofSeconds(20)).until(() -> {
                HttpResponse<String> r = service.postJson("/v1/records", TestRecords.record(1).toString(), "writer");
                return r.statusCode() == 429;
            });
            HttpResponse<String> busy = service.postJson("/v1/records", TestRecords.record(2).toString(), "writer");
            assertThat(busy.statusCode()).isEqualTo(429);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            JsonNode error = TestRecords.JSON.readTree(busy.body());
            assertThat(error.get("error").asText()).isEqualTo("server_busy");

            upload.write((chunk(TestRecords.record(3) + "]") + "0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            upload.flush();
            String statusLine = new BufferedReader(new InputStreamReader(slow.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertThat(statusLine).as("the slow upload itself is accepted").startsWith("HTTP/1.1 202");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(service.postJson("/v1/records", TestRecords.record(4).toString(), "writer").statusCode())
                            .as("the budget is released").isEqualTo(202));
        }
    }

    private static String chunk(String data) {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return Integer.toHexString(bytes.length) + "\r\n" + data + "\r\n";
    }
}
