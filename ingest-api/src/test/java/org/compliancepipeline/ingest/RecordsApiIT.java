package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Records posted over HTTP land in Kafka exactly as sent, with one result per record. */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordsApiIT {
    private IngestTestService service;

    @BeforeAll
    void start(Infra infra) {
        service = IngestTestService.start(infra, Map.of());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void oneRecordIsAcknowledgedWithPartitionAndOffsetAndReadsBackEqual() throws Exception {
        var before = service.endOffsets();
        ObjectNode sent = TestRecords.record(7);

        HttpResponse<String> r = service.postJson("/v1/records", sent.toString(), "writer");

        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(202);
        JsonNode result = json(r).get("results").get(0);
        assertThat(result.get("status").asText()).isEqualTo("accepted");
        assertThat(result.get("recordId").asText()).isEqualTo(sent.get("recordId").asText());
        List<ConsumerRecord<String, ComplianceRecord>> landed = service.readSince(before);
        assertThat(landed).hasSize(1);
        ConsumerRecord<String, ComplianceRecord> record = landed.getFirst();
        assertThat(record.partition()).isEqualTo(result.get("partition").asInt());
        assertThat(record.offset()).isEqualTo(result.get("offset").asLong());
        assertThat(record.key()).isEqualTo("acme");
        assertThat(record.value()).isEqualTo(expected(sent, null));
    }

    @Test
    void aRecordWithoutRecordIdGetsATimeOrderedUuidThatIsReturned() throws Exception {
        var before = service.endOffsets();
        ObjectNode first = TestRecords.record(null, 1);
        ObjectNode second = TestRecords.record(null, 2);

        String id1 = json(service.postJson("/v1/records", first.toString(), "writer")).get("results").get(0).get("recordId").asText();
        String id2 = json(service.postJson("/v1/records", second.toString(), "writer")).get("results").get(0).get("recordId").asText();

        assertThat(java.util.UUID.fromString(id1).version()).isEqualTo(7);
        assertThat(id2).as("UUIDv7 sort by creation time").isGreaterThan(id1);
        assertThat(service.readSince(before)).extracting(ConsumerRecord::value)
                .containsExactlyInAnyOrder(expected(first, id1), expected(second, id2));
    }

    @Test
    void aBatchWithThreeBadRecordsOutOfAThousandAcceptsTheOthersAndNamesTheThree() throws Exception {
        var before = service.endOffsets();
        List<ObjectNode> records = new ArrayList<>(TestRecords.records(1000));
        records.get(17).put("status", "GREEN");
        records.get(503).remove("controlId");
        records.get(998).put("observedAt", "yesterday");

        HttpResponse<String> r = service.postJson("/v1/records:batch", TestRecords.array(records), "writer");

        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(202);
        JsonNode body = json(r);
        assertThat(body.get("accepted").asInt()).isEqualTo(997);
        assertThat(body.get("rejected").asInt()).isEqualTo(3);
        Map<Integer, JsonNode> rejected = new HashMap<>();
        body.get("results").forEach(x -> { if (x.get("status").asText().equals("rejected")) rejected.put(x.get("index").asInt(), x); });
        assertThat(rejected).containsOnlyKeys(17, 503, 998);
        assertThat(rejected.get(17).get("errors").get(0).get("path").asText()).isEqualTo("status");
        assertThat(rejected.get(17).get("errors").get(0).get("reason").asText()).contains("must be one of SATISFIED").contains("'GREEN'");
        assertThat(rejected.get(503).get("errors").get(0).get("path").asText()).isEqualTo("controlId");
        assertThat(rejected.get(503).get("errors").get(0).get("reason").asText()).isEqualTo("is required");
        assertThat(rejected.get(998).get("errors").get(0).get("path").asText()).isEqualTo("observedAt");

        List<ComplianceRecord> expected = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) if (!rejected.containsKey(i)) expected.add(expected(records.get(i), null));
        List<ComplianceRecord> landed = service.readSince(before).stream().map(ConsumerRecord::value).toList();
        assertThat(landed).hasSize(997).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void resultsCarryTheOffsetsTheRecordsReallyHave() throws Exception {
        var before = service.endOffsets();
        List<ObjectNode> records = TestRecords.records(50);
        JsonNode body = json(service.postJson("/v1/records:batch", TestRecords.array(records), "writer"));
        Map<String, String> whereByApi = new HashMap<>();
        body.get("results").forEach(x -> whereByApi.put(x.get("recordId").asText(), x.get("partition").asInt() + "@" + x.get("offset").asLong()));
        Map<String, String> whereInKafka = service.readSince(before).stream()
                .collect(Collectors.toMap(c -> c.value().getRecordId(), c -> c.partition() + "@" + c.offset()));
        assertThat(whereInKafka).isEqualTo(whereByApi);
    }

    @Test
    void aStreamIsAnsweredLineByLineAndEveryGoodLineLands() throws Exception {
        var before = service.endOffsets();
        List<ObjectNode> records = TestRecords.records(300);
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < records.size(); i++) {
            if (i == 100) ndjson.append("{\"orgId\": \"acme\", oops}\n");
            if (i == 200) ndjson.append("\n");
            ndjson.append(records.get(i)).append(i == 150 ? "\r\n" : "\n");
        }

        HttpResponse<java.util.stream.Stream<String>> r = service.http().send(HttpRequest.newBuilder(service.uri("/v1/records:stream"))
                        .header("Authorization", "Bearer " + service.secrets.get("writer"))
                        .header("Content-Type", "application/x-ndjson")
                        .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString())).build(),
                HttpResponse.BodyHandlers.ofLines());

        assertThat(r.statusCode()).isEqualTo(202);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/x-ndjson");
        List<JsonNode> lines = r.body().map(RecordsApiIT::parse).toList();
        JsonNode summary = lines.getLast().get("summary");
        assertThat(summary.get("accepted").asInt()).isEqualTo(300);
        assertThat(summary.get("rejected").asInt()).isEqualTo(1);
        assertThat(summary.get("complete").asBoolean()).isTrue();
        List<JsonNode> results = lines.subList(0, lines.size() - 1);
        assertThat(results).hasSize(301);
        assertThat(results).extracting(l -> l.get("line").asLong()).isSorted();
        JsonNode bad = results.stream().filter(l -> l.get("status").asText().equals("rejected")).findFirst().orElseThrow();
        assertThat(bad.get("line").asInt()).isEqualTo(101);
        assertThat(bad.get("errors").get(0).get("reason").asText()).contains("not valid JSON").contains("column");

        List<ComplianceRecord> expected = records.stream().map(o -> expected(o, null)).toList();
        assertThat(service.readSince(before)).extracting(ConsumerRecord::value).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void aStreamLongerThanTheBodyLimitIsAcceptedEvenWithAContentLength(Infra infra) throws Exception {
        try (IngestTestService small = IngestTestService.start(infra, Map.of(
                "INGEST_MAX_BODY_BYTES", "4096", "INGEST_MAX_INFLIGHT_BODY_BYTES", "1048576", "INGEST_MAX_LINE_BYTES", "4096"))) {
            var before = small.endOffsets();
            List<ObjectNode> records = TestRecords.records(200);
            StringBuilder ndjson = new StringBuilder();
            records.forEach(o -> ndjson.append(o).append('\n'));
            assertThat(ndjson.length()).as("the stream is far over the 4 KiB body limit").isGreaterThan(40_000);

            // ofString has a known length: the request carries a Content-Length.
            HttpResponse<java.util.stream.Stream<String>> r = small.http().send(HttpRequest.newBuilder(small.uri("/v1/records:stream"))
                            .header("Authorization", "Bearer " + small.secrets.get("writer"))
                            .header("Content-Type", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString())).build(),
                    HttpResponse.BodyHandlers.ofLines());

            assertThat(r.statusCode()).isEqualTo(202);
            JsonNode summary = r.body().map(RecordsApiIT::parse).toList().getLast().get("summary");
            assertThat(summary.get("accepted").asInt()).isEqualTo(200);
            assertThat(small.readSince(before)).hasSize(200);
        }
    }

    @Test
    void docsAndOpenApiAreServed() throws Exception {
        HttpResponse<String> spec = service.get("/openapi.json");
        assertThat(spec.statusCode()).isEqualTo(200);
        JsonNode openapi = TestRecords.JSON.readTree(spec.body());
        assertThat(openapi.get("openapi").asText()).startsWith("3.");
        assertThat(openapi.get("paths").has("/v1/records:batch")).isTrue();
        HttpResponse<String> docs = service.get("/docs");
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(docs.body()).contains("/openapi.json");
    }

    @Test
    void metricsCountRequestsRecordsLatencyAndBatchSizes() {
        service.postJson("/v1/records:batch", TestRecords.array(TestRecords.records(10)), "writer");
        service.postJson("/v1/records", "{\"orgId\":\"acme\"}", "writer");
        String metrics = service.metrics();
        assertThat(metrics).contains("ingest_requests_seconds_count{").contains("route=\"records:batch\"").contains("status=\"202\"");
        assertThat(metrics).contains("ingest_records_accepted_total{").contains("ingest_records_rejected_total{").contains("reason=\"invalid\"");
        assertThat(metrics).contains("ingest_produce_latency_seconds_bucket{");
        assertThat(metrics).contains("ingest_batch_records_count{");
    }

    static ComplianceRecord expected(ObjectNode sent, String assignedId) {
        return ComplianceRecordJson.fromJson(sent, () -> assignedId).orElseThrow();
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return TestRecords.JSON.readTree(r.body());
    }

    private static JsonNode parse(String line) {
        try {
            return TestRecords.JSON.readTree(line.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
