package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A retry with the same Idempotency-Key gets the first answer and produces nothing new. */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IdempotencyIT {
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
    void aRetryWithTheSameKeyReturnsTheFirstAnswerWithoutProducingAgain() throws Exception {
        String key = "retry-" + UUID.randomUUID();
        // Records without recordId: a retry that produced again would even produce new ids.
        List<ObjectNode> records = List.of(TestRecords.record(null, 1), TestRecords.record(null, 2), TestRecords.record(null, 3));
        String body = TestRecords.array(records);
        var before = service.endOffsets();

        HttpResponse<String> first = service.postJson("/v1/records:batch", body, "writer", "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(service.producedSince(before)).isEqualTo(3);
        var afterFirst = service.endOffsets();

        HttpResponse<String> retry = service.postJson("/v1/records:batch", body, "writer", "Idempotency-Key", key);
        HttpResponse<String> again = service.postJson("/v1/records:batch", body, "writer", "Idempotency-Key", key);

        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).as("the same answer, assigned recordIds and offsets included").isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(service.producedSince(afterFirst)).as("nothing new produced").isZero();
    }

    @Test
    void theSameKeyWithADifferentBodyIsA422AndProducesNothing() throws Exception {
        String key = "reuse-" + UUID.randomUUID();
        assertThat(service.postJson("/v1/records", TestRecords.record(1).toString(), "writer", "Idempotency-Key", key).statusCode())
                .isEqualTo(202);
        var before = service.endOffsets();

        HttpResponse<String> other = service.postJson("/v1/records", TestRecords.record(2).toString(), "writer", "Idempotency-Key", key);

        assertThat(other.statusCode()).isEqualTo(422);
        JsonNode body = TestRecords.JSON.readTree(other.body());
        assertThat(body.get("error").asText()).isEqualTo("idempotency_key_reused");
        assertThat(body.get("message").asText()).contains("different request");
        assertThat(service.producedSince(before)).isZero();
    }

    @Test
    void theSameKeyOnAnotherRouteIsAnotherRequest() {
        String key = "route-" + UUID.randomUUID();
        ObjectNode record = TestRecords.record(1);
        assertThat(service.postJson("/v1/records", record.toString(), "writer", "Idempotency-Key", key).statusCode()).isEqualTo(202);
        assertThat(service.postJson("/v1/records:batch", record.toString(), "writer", "Idempotency-Key", key).statusCode()).isEqualTo(422);
    }

    @Test
    void keysAreScopedToTheApiKey() {
        String key = "scoped-" + UUID.randomUUID();
        ObjectNode record = TestRecords.record(1);
        var before = service.endOffsets();
        assertThat(service.postJson("/v1/records", record.toString(), "writer", "Idempotency-Key", key).statusCode()).isEqualTo(202);
        HttpResponse<String> other = service.postJson("/v1/records", record.toString(), "multi", "Idempotency-Key", key);
        assertThat(other.statusCode()).isEqualTo(202);
        assertThat(other.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(service.producedSince(before)).isEqualTo(2);
    }

    @Test
    void aRejectedRequestIsRememberedToo() throws Exception {
        String key = "invalid-" + UUID.randomUUID();
        HttpResponse<String> first = service.postJson("/v1/records", "{\"orgId\":\"acme\"}", "writer", "Idempotency-Key", key);
        HttpResponse<String> retry = service.postJson("/v1/records", "{\"orgId\":\"acme\"}", "writer", "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(400);
        assertThat(retry.statusCode()).isEqualTo(400);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
    }

    @Test
    void anOscalDocumentIsIdempotentToo() {
        String key = "oscal-" + UUID.randomUUID();
        var before = service.endOffsets();
        HttpResponse<String> first = service.post("/v1/oscal/assessment-results", "application/json", OscalIT.example(), "writer", "Idempotency-Key", key);
        HttpResponse<String> retry = service.post("/v1/oscal/assessment-results", "application/json", OscalIT.example(), "writer", "Idempotency-Key", key);
        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(service.producedSince(before)).isEqualTo(1);
    }
}
