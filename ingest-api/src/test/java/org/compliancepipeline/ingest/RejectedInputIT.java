package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad input gets its status and a message that says what is wrong, and produces
 * nothing: each test checks the topic's end offsets before and after.
 */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RejectedInputIT {
    private IngestTestService service;

    @BeforeAll
    void start(Infra infra) {
        service = IngestTestService.start(infra, Map.of("INGEST_MAX_BATCH_RECORDS", "100"));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    /** Runs the request and checks that the topic did not grow. */
    private JsonNode refused(int status, String code, Supplier<HttpResponse<String>> request) throws Exception {
        var before = service.endOffsets();
        HttpResponse<String> r = request.get();
        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = TestRecords.JSON.readTree(r.body());
        assertThat(body.get("error").asText()).isEqualTo(code);
        assertThat(body.get("message").asText()).isNotBlank();
        assertThat(service.producedSince(before)).as("nothing produced").isZero();
        return body;
    }

    private static List<JsonNode> errorsOf(JsonNode body) {
        return java.util.stream.StreamSupport.stream(body.get("results").get(0).get("errors").spliterator(), false).toList();
    }

    private static String reasonAt(JsonNode body, String path) {
        return errorsOf(body).stream().filter(e -> e.get("path").asText().equals(path)).map(e -> e.get("reason").asText())
                .findFirst().orElseThrow(() -> new AssertionError("no error at " + path + " in " + body));
    }

    @Test
    void malformedJsonIsA400WithLineAndColumn() throws Exception {
        JsonNode body = refused(400, "malformed_json", () -> service.postJson("/v1/records", "{\n  \"orgId\": \"acme\",\n  \"status\" SATISFIED\n}", "writer"));
        assertThat(body.get("line").asInt()).isEqualTo(3);
        assertThat(body.get("column").asInt()).isGreaterThan(1);
        assertThat(body.get("message").asText()).contains("line 3");
    }

    @Test
    void trailingContentAndDuplicateKeysAreMalformed() throws Exception {
        refused(400, "malformed_json", () -> service.postJson("/v1/records", TestRecords.record(1) + " {}", "writer"));
        JsonNode dup = refused(400, "malformed_json", () -> service.postJson("/v1/records",
                TestRecords.record(1).toString().replace("{\"recordId\"", "{\"orgId\":\"acme\",\"recordId\""), "writer"));
        assertThat(dup.get("message").asText()).contains("Duplicate field 'orgId'");
    }

    @Test
    void wrongTypesAreNamedFieldByField() throws Exception {
        ObjectNode record = TestRecords.record(1);
        record.put("framework", 7);
        record.put("score", "high");
        record.putArray("tags");
        JsonNode body = refused(400, "invalid_record", () -> service.postJson("/v1/records", record.toString(), "writer"));
        assertThat(reasonAt(body, "framework")).isEqualTo("must be a string, got a number");
        assertThat(reasonAt(body, "score")).contains("must be a number");
        assertThat(reasonAt(body, "tags")).contains("must be an object");
        assertThat(body.get("message").asText()).contains("framework: must be a string");
    }

    @Test
    void everyMissingRequiredFieldIsNamed() throws Exception {
        JsonNode body = refused(400, "invalid_record", () -> service.postJson("/v1/records", "{\"orgId\":\"acme\"}", "writer"));
        assertThat(errorsOf(body)).extracting(e -> e.get("path").asText())
                .containsExactlyInAnyOrder("framework", "controlId", "status", "observedAt", "source", "method");
        assertThat(reasonAt(body, "controlId")).isEqualTo("is required");
    }

    @Test
    void anUnknownEnumSymbolListsTheAllowedOnes() throws Exception {
        ObjectNode record = TestRecords.record(1);
        record.put("status", "GREEN");
        JsonNode body = refused(400, "invalid_record", () -> service.postJson("/v1/records", record.toString(), "writer"));
        assertThat(reasonAt(body, "status")).isEqualTo(
                "must be one of SATISFIED, NOT_SATISFIED, PARTIALLY_SATISFIED, NOT_APPLICABLE, UNKNOWN, got 'GREEN'");
    }

    @Test
    void unknownFieldsAreRejectedWithTheirNames() throws Exception {
        ObjectNode record = TestRecords.record(1);
        record.put("colour", "red");
        record.put("severity", "high");
        JsonNode body = refused(400, "invalid_record", () -> service.postJson("/v1/records", record.toString(), "writer"));
        assertThat(reasonAt(body, "colour")).isEqualTo("unknown field");
        assertThat(reasonAt(body, "severity")).isEqualTo("unknown field");
    }

    @Test
    void aFarFutureTimestampIsAFieldError() throws Exception {
        ObjectNode record = TestRecords.record(1);
        record.put("observedAt", Instant.now().plus(1, ChronoUnit.HOURS).toString());
        JsonNode body = refused(400, "invalid_record", () -> service.postJson("/v1/records", record.toString(), "writer"));
        assertThat(reasonAt(body, "observedAt")).startsWith("must not be more than 5 min in the future");
        // Within the skew is fine.
        record.put("observedAt", Instant.now().plus(2, ChronoUnit.MINUTES).toString());
        assertThat(service.postJson("/v1/records", record.toString(), "writer").statusCode()).isEqualTo(202);
    }

    @Test
    void aTenMegabyteBodyIsA413() throws Exception {
        byte[] big = tenMegabytesOfRecords();
        // Sent as a careful client sends a large body: headers first (Expect: 100-continue), so the server can refuse
        // it by its Content-Length before a byte of it is uploaded (and without racing the upload).
        JsonNode body = refused(413, "body_too_large", () -> service.send(HttpRequest.newBuilder(service.uri("/v1/records:batch"))
                .header("Authorization", "Bearer " + service.secrets.get("writer"))
                .header("Content-Type", "application/json").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build()));
        assertThat(body.get("limitBytes").asLong()).isEqualTo(8L * 1024 * 1024);
        assertThat(body.get("message").asText()).contains("larger than the limit of 8388608 bytes");
    }

    @Test
    void aTenMegabyteBodyWithoutContentLengthIsA413Too() throws Exception {
        byte[] big = tenMegabytesOfRecords();
        refused(413, "body_too_large", () -> service.send(HttpRequest.newBuilder(service.uri("/v1/records:batch"))
                .header("Authorization", "Bearer " + service.secrets.get("writer"))
                .header("Content-Type", "application/json")
                // An InputStream publisher has no known length: the body goes chunked.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build()));
    }

    private static byte[] tenMegabytesOfRecords() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(11 * 1024 * 1024);
        out.write('[');
        for (int i = 0; out.size() < 10 * 1024 * 1024; i++) {
            if (i > 0) out.write(',');
            out.writeBytes(TestRecords.record(i).toString().getBytes(StandardCharsets.UTF_8));
        }
        out.write(']');
        return out.toByteArray();
    }

    @Test
    void invalidUtf8IsA400() throws Exception {
        byte[] json = TestRecords.record(1).toString().getBytes(StandardCharsets.UTF_8);
        String text = new String(json, StandardCharsets.UTF_8);
        int at = text.indexOf("Least privilege");
        byte[] bad = json.clone();
        bad[at] = (byte) 0xC3;      // a lead byte ...
        bad[at + 1] = (byte) 0x28;  // ... followed by a byte that cannot continue it
        JsonNode body = refused(400, "invalid_utf8", () -> service.post("/v1/records", "application/json", bad, "writer"));
        assertThat(body.get("message").asText()).contains("not valid UTF-8");
        byte[] alsoBad = json.clone();
        alsoBad[at] = (byte) 0xFF;
        refused(400, "invalid_utf8", () -> service.post("/v1/records", "application/json", alsoBad, "writer"));
    }

    @Test
    void jsonNested10000DeepIsRefusedAtTheLimit() throws Exception {
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        JsonNode body = refused(400, "json_too_deep", () -> service.postJson("/v1/records:batch", deep, "writer"));
        assertThat(body.get("message").asText()).contains("nested deeper than 64 levels");
        String deepObject = "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000);
        refused(400, "json_too_deep", () -> service.postJson("/v1/records", deepObject, "writer"));
    }

    @Test
    void anEmptyBodyIsA400() throws Exception {
        refused(400, "empty_body", () -> service.postJson("/v1/records", "", "writer"));
        refused(400, "empty_body", () -> service.postJson("/v1/records:batch", "   ", "writer"));
        refused(400, "empty_batch", () -> service.postJson("/v1/records:batch", "[]", "writer"));
        refused(400, "empty_body", () -> service.post("/v1/records:stream", "application/x-ndjson", new byte[0], "writer"));
    }

    @Test
    void aWrongContentTypeIsA415() throws Exception {
        byte[] json = TestRecords.record(1).toString().getBytes(StandardCharsets.UTF_8);
        JsonNode body = refused(415, "unsupported_media_type", () -> service.post("/v1/records", "text/plain", json, "writer"));
        assertThat(body.get("message").asText()).contains("'text/plain'").contains("application/json");
        refused(415, "unsupported_media_type", () -> service.post("/v1/records", null, json, "writer"));
        refused(415, "unsupported_media_type", () -> service.post("/v1/records", "application/json; charset=ISO-8859-1", json, "writer"));
        refused(415, "unsupported_media_type", () -> service.post("/v1/records:stream", "application/json", json, "writer"));
        assertThat(service.post("/v1/records", "application/json; charset=utf-8", json, "writer").statusCode()).isEqualTo(202);
    }

    @Test
    void batchShapeAndSizeAreChecked() throws Exception {
        refused(400, "invalid_batch", () -> service.postJson("/v1/records:batch", TestRecords.record(1).toString(), "writer"));
        refused(400, "invalid_record", () -> service.postJson("/v1/records", TestRecords.array(TestRecords.records(2)), "writer"));
        JsonNode body = refused(413, "batch_too_large", () -> service.postJson("/v1/records:batch", TestRecords.array(TestRecords.records(101)), "writer"));
        assertThat(body.get("limitRecords").asInt()).isEqualTo(100);
    }

    @Test
    void aBatchOfOnlyInvalidRecordsIsA400WithEveryResult() throws Exception {
        JsonNode body = refused(400, "invalid_records", () -> service.postJson("/v1/records:batch", "[{\"orgId\":\"acme\"},{\"orgId\":\"acme\"}]", "writer"));
        assertThat(body.get("rejected").asInt()).isEqualTo(2);
        assertThat(body.get("results")).hasSize(2);
    }

    @Test
    void anUnknownKeyIsA401() throws Exception {
        byte[] json = TestRecords.record(1).toString().getBytes(StandardCharsets.UTF_8);
        JsonNode body = refused(401, "invalid_api_key", () -> service.post("/v1/records", "application/json", json, "cpk_not-a-key-at-all"));
        assertThat(body.get("message").asText()).isEqualTo("unknown API key");
        refused(401, "missing_api_key", () -> service.post("/v1/records", "application/json", json, null));
        HttpResponse<String> basic = service.post("/v1/records", "application/json", json, null, "Authorization", "Basic dXNlcjpwdw==");
        assertThat(basic.statusCode()).isEqualTo(401);
        assertThat(basic.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"ingest-api\"");
    }

    @Test
    void aRevokedKeyIsA401() throws Exception {
        JsonNode body = refused(401, "revoked_api_key", () -> service.postJson("/v1/records", TestRecords.record(1).toString(), "revoked"));
        assertThat(body.get("message").asText()).contains("revoked");
    }

    @Test
    void anotherOrgsRecordIsA403AndNothingOfTheRequestIsProduced() throws Exception {
        List<ObjectNode> records = TestRecords.records(20);
        records.get(4).put("orgId", "globex");
        records.get(11).put("orgId", "initech");
        JsonNode body = refused(403, "forbidden_org", () -> service.postJson("/v1/records:batch", TestRecords.array(records), "writer"));
        assertThat(body.get("message").asText()).contains("may write records of [acme] only").contains("nothing was produced");
        assertThat(body.get("records")).hasSize(2);
        assertThat(body.get("records").get(0).get("index").asInt()).isEqualTo(4);
        assertThat(body.get("records").get(0).get("orgId").asText()).isEqualTo("globex");

        ObjectNode single = TestRecords.record(1);
        single.put("orgId", "globex");
        refused(403, "forbidden_org", () -> service.postJson("/v1/records", single.toString(), "writer"));
        // The multi-org key may write both orgs.
        assertThat(service.postJson("/v1/records", single.toString(), "multi").statusCode()).isEqualTo(202);
    }

    @Test
    void aStreamLineOfAnotherOrgIsRejectedAlone() throws Exception {
        ObjectNode foreign = TestRecords.record(2);
        foreign.put("orgId", "globex");
        String ndjson = TestRecords.record(1) + "\n" + foreign + "\n";
        var before = service.endOffsets();
        HttpResponse<String> r = service.post("/v1/records:stream", "application/x-ndjson", ndjson.getBytes(StandardCharsets.UTF_8), "writer");
        assertThat(r.statusCode()).isEqualTo(202);
        List<JsonNode> lines = r.body().lines().map(l -> {
            try {
                return TestRecords.JSON.readTree(l);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(lines.get(1).get("status").asText()).isEqualTo("rejected");
        assertThat(lines.get(1).get("reason").asText()).isEqualTo("forbidden");
        assertThat(lines.get(1).get("errors").get(0).get("reason").asText()).contains("may not write records of org 'globex'");
        assertThat(service.producedSince(before)).isEqualTo(1);
    }

    @Test
    void aKeyWithoutTheScopeIsA403() throws Exception {
        byte[] oscal = OscalIT.example();
        JsonNode body = refused(403, "insufficient_scope", () -> service.post("/v1/oscal/assessment-results?org=acme&framework=nist-800-53-r5",
                "application/json", oscal, "multi"));
        assertThat(body.get("requiredScope").asText()).isEqualTo("oscal:write");
    }

    @Test
    void anInvalidIdempotencyKeyIsA400() throws Exception {
        refused(400, "invalid_idempotency_key", () -> service.postJson("/v1/records", TestRecords.record(1).toString(), "writer",
                "Idempotency-Key", "x".repeat(300)));
        refused(400, "idempotency_not_supported", () -> service.post("/v1/records:stream", "application/x-ndjson",
                TestRecords.record(1).toString().getBytes(StandardCharsets.UTF_8), "writer", "Idempotency-Key", "k-1"));
    }

    @Test
    void unknownRoutesAndMethodsAnswerInJson() throws Exception {
        HttpResponse<String> notFound = service.postJson("/v1/nothing", "{}", "writer");
        assertThat(notFound.statusCode()).isEqualTo(404);
        assertThat(TestRecords.JSON.readTree(notFound.body()).get("error").asText()).isEqualTo("not_found");
        HttpResponse<String> wrongMethod = service.get("/v1/records");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(TestRecords.JSON.readTree(wrongMethod.body()).get("error").asText()).isEqualTo("method_not_allowed");
    }
}
