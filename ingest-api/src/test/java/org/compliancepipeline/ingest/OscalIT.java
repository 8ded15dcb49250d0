package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** OSCAL assessment-results documents become one record per finding. */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OscalIT {
    private IngestTestService service;

    @BeforeAll
    void start(Infra infra) {
        service = IngestTestService.start(infra, Map.of());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    /** NIST's example assessment-results document (OSCAL content, public domain), as shipped in ../shared/data/oscal. */
    static byte[] example() {
        try (InputStream in = OscalIT.class.getResourceAsStream("/oscal/ifa_assessment-results-example.json")) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theExampleYieldsExactlyOneRecordPerFindingWithControlStatusAndTime() throws Exception {
        var before = service.endOffsets();

        HttpResponse<String> r = service.post("/v1/oscal/assessment-results", "application/json", example(), "writer");

        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(202);
        JsonNode body = TestRecords.JSON.readTree(r.body());
        assertThat(body.get("accepted").asInt()).isEqualTo(1);
        JsonNode result = body.get("results").get(0);
        assertThat(result.get("findingUuid").asText()).isEqualTo("45d8a6c2-1368-4bad-9ba0-7141f0a32889");
        assertThat(result.get("controlId").asText()).isEqualTo("ac-6.1");

        List<ConsumerRecord<String, ComplianceRecord>> landed = service.readSince(before);
        assertThat(landed).hasSize(1);
        ComplianceRecord record = landed.getFirst().value();
        assertThat(record.getRecordId()).isEqualTo(result.get("recordId").asText()).startsWith("oscal:");
        assertThat(record.getOrgId()).as("the key's only org").isEqualTo("acme");
        assertThat(record.getFramework()).as("the key's framework").isEqualTo("nist-800-53-r5");
        assertThat(record.getControlId()).isEqualTo("ac-6.1");
        assertThat(record.getObjectiveId()).isEqualTo("ac-6.1_obj");
        assertThat(record.getStatus()).isEqualTo(ComplianceStatus.NOT_SATISFIED);
        assertThat(record.getObservedAt()).as("the related observation's collected, 08:31:20-04:00")
                .isEqualTo(Instant.parse("2023-06-02T12:31:20Z"));
        assertThat(record.getMethod()).isEqualTo(AssessmentMethod.TEST);
        assertThat(record.getSubject()).isEqualTo("component:551b9706-d6a4-4d25-8207-f2ccec548b89");
        assertThat(record.getTitle()).isEqualTo("GoodRead AwesomeCloud Account's System Engineer Role Permits High Risk Actions");
        assertThat(record.getDescription()).startsWith("The assessor's security automation platform detected");
        assertThat(record.getSource()).isEqualTo("oscal-assessment-results");
        assertThat(record.getTags()).containsEntry("oscal.finding-uuid", "45d8a6c2-1368-4bad-9ba0-7141f0a32889")
                .containsEntry("oscal.target-type", "objective-id").containsEntry("oscal.methods", "TEST")
                .containsEntry("oscal.observation-uuids", "8807eb6e-0c05-43bc-8438-799739615e34");
    }

    @Test
    void orgFrameworkAndSourceComeFromParameters() throws Exception {
        var before = service.endOffsets();
        HttpResponse<String> r = service.post("/v1/oscal/assessment-results?org=acme&framework=nist-800-53-r5-moderate&source=ifa-sca",
                "application/oscal+json", example(), "writer");
        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(202);
        ComplianceRecord record = service.readSince(before).getFirst().value();
        assertThat(record.getFramework()).isEqualTo("nist-800-53-r5-moderate");
        assertThat(record.getSource()).isEqualTo("ifa-sca");
    }

    @Test
    void postingTheSameDocumentAgainYieldsTheSameRecordIds() throws Exception {
        String first = TestRecords.JSON.readTree(service.post("/v1/oscal/assessment-results", "application/json", example(), "writer").body())
                .get("results").get(0).get("recordId").asText();
        String second = TestRecords.JSON.readTree(service.post("/v1/oscal/assessment-results", "application/json", example(), "writer").body())
                .get("results").get(0).get("recordId").asText();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void aDocumentOfAnotherShapeIsAPrecise400AndNothingIsProduced() throws Exception {
        var before = service.endOffsets();

        HttpResponse<String> catalog = service.postJson("/v1/oscal/assessment-results", "{\"catalog\": {\"uuid\": \"x\"}}", "writer");
        assertThat(catalog.statusCode()).isEqualTo(400);
        JsonNode body = TestRecords.JSON.readTree(catalog.body());
        assertThat(body.get("error").asText()).isEqualTo("invalid_oscal");
        assertThat(body.get("errors").get(0).get("reason").asText())
                .contains("not an OSCAL assessment-results document").contains("\"catalog\"");

        ObjectNode broken = (ObjectNode) TestRecords.JSON.readTree(example());
        ObjectNode finding = (ObjectNode) broken.at("/assessment-results/results/0/findings/0");
        ((ObjectNode) finding.get("target")).put("type", "control-id");
        ((ObjectNode) finding.at("/target/status")).put("state", "green");
        HttpResponse<String> r = service.postJson("/v1/oscal/assessment-results", broken.toString(), "writer");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode errors = TestRecords.JSON.readTree(r.body()).get("errors");
        assertThat(errors).extracting(e -> e.get("path").asText()).containsExactlyInAnyOrder(
                "assessment-results.results[0].findings[0].target.type",
                "assessment-results.results[0].findings[0].target.status.state");
        assertThat(errors.get(0).get("reason").asText()).contains("objective-id or statement-id");

        assertThat(service.producedSince(before)).isZero();
    }

    @Test
    void orgAndFrameworkMustBeKnownAndAllowed() throws Exception {
        var before = service.endOffsets();
        byte[] doc = example();
        assertRefused(service.post("/v1/oscal/assessment-results", "application/json", doc, "auditor"), 400, "org_required");
        assertRefused(service.post("/v1/oscal/assessment-results?org=globex", "application/json", doc, "auditor"), 400, "framework_required");
        assertRefused(service.post("/v1/oscal/assessment-results?org=initech&framework=nist-800-53-r5", "application/json", doc, "auditor"),
                403, "forbidden_org");
        assertRefused(service.post("/v1/oscal/assessment-results?org=globex", "application/json", doc, "writer"), 403, "forbidden_org");
        assertRefused(service.post("/v1/oscal/assessment-results?framework=bad/id", "application/json", doc, "writer"), 400, "invalid_parameter");
        assertThat(service.producedSince(before)).isZero();
        assertThat(service.post("/v1/oscal/assessment-results?org=globex&framework=iso-27001", "application/json", doc, "auditor").statusCode())
                .isEqualTo(202);
    }

    private static void assertRefused(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(status);
        assertThat(TestRecords.JSON.readTree(r.body()).get("error").asText()).isEqualTo(code);
    }
}
