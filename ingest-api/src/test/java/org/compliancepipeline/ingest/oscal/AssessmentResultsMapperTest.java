package org.compliancepipeline.ingest.oscal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.FieldError;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AssessmentResultsMapperTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode example() throws Exception {
        try (InputStream in = AssessmentResultsMapperTest.class.getResourceAsStream("/oscal/ifa_assessment-results-example.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    private static List<AssessmentResultsMapper.MappedFinding> mapped(JsonNode doc) {
        var m = AssessmentResultsMapper.map(doc, "acme", "nist-800-53-r5", "oscal");
        assertThat(m).as(m.toString()).isInstanceOf(AssessmentResultsMapper.Mapping.Mapped.class);
        return ((AssessmentResultsMapper.Mapping.Mapped) m).findings();
    }

    private static List<FieldError> errors(JsonNode doc) {
        var m = AssessmentResultsMapper.map(doc, "acme", "nist-800-53-r5", "oscal");
        assertThat(m).isInstanceOf(AssessmentResultsMapper.Mapping.Unusable.class);
        return ((AssessmentResultsMapper.Mapping.Unusable) m).errors();
    }

    @Test
    void theExampleFindingBecomesAValidRecord() throws Exception {
        List<AssessmentResultsMapper.MappedFinding> findings = mapped(example());
        assertThat(findings).hasSize(1);
        assertThat(findings.getFirst().path()).isEqualTo("assessment-results.results[0].findings[0]");
        ComplianceRecord r = ComplianceRecordJson.fromJson(findings.getFirst().record(), () -> "unused").orElseThrow();
        assertThat(r.getControlId()).isEqualTo("ac-6.1");
        assertThat(r.getObjectiveId()).isEqualTo("ac-6.1_obj");
        assertThat(r.getStatus().name()).isEqualTo("NOT_SATISFIED");
        assertThat(r.getObservedAt()).isEqualTo(Instant.parse("2023-06-02T12:31:20Z"));
        assertThat(r.getMethod().name()).isEqualTo("TEST");
    }

    @Test
    void everyFindingOfEveryResultBecomesARecord() throws Exception {
        ObjectNode doc = example();
        ArrayNode findings = (ArrayNode) doc.at("/assessment-results/results/0/findings");
        ObjectNode second = findings.get(0).deepCopy();
        second.put("uuid", "b5a9c4e0-0000-4000-8000-000000000001");
        ((ObjectNode) second.get("target")).put("type", "statement-id").put("target-id", "ac-2_smt.a");
        ((ObjectNode) second.at("/target/status")).put("state", "satisfied");
        second.remove("related-observations");
        findings.add(second);
        ArrayNode results = (ArrayNode) doc.at("/assessment-results/results");
        ObjectNode otherResult = results.get(0).deepCopy();
        otherResult.put("uuid", "c0ffee00-0000-4000-8000-000000000002");
        results.add(otherResult);

        List<AssessmentResultsMapper.MappedFinding> all = mapped(doc);

        assertThat(all).as("two findings in each of two results").hasSize(4);
        assertThat(all).extracting(AssessmentResultsMapper.MappedFinding::path).containsExactly(
                "assessment-results.results[0].findings[0]", "assessment-results.results[0].findings[1]",
                "assessment-results.results[1].findings[0]", "assessment-results.results[1].findings[1]");
        ObjectNode statement = all.get(1).record();
        assertThat(statement.get("controlId").asText()).isEqualTo("ac-2");
        assertThat(statement.has("objectiveId")).as("a statement is not an objective").isFalse();
        assertThat(statement.get("status").asText()).isEqualTo("SATISFIED");
        assertThat(statement.get("observedAt").asText()).as("no observation: the result's end, 08:46:51-04:00").isEqualTo("2023-06-02T12:46:51Z");
        assertThat(statement.get("method").asText()).isEqualTo("OTHER");
        assertThat(all).extracting(f -> f.record().get("recordId").asText()).doesNotHaveDuplicates();
    }

    @Test
    void theLatestCollectedOfSeveralObservationsIsTheTime() throws Exception {
        ObjectNode doc = example();
        ((ObjectNode) doc.at("/assessment-results/results/0/observations/1")).put("collected", "2023-06-03T10:00:00Z");
        ((ArrayNode) doc.at("/assessment-results/results/0/findings/0/related-observations"))
                .addObject().put("observation-uuid", "4a2fb32e-9be9-43cf-b717-e9e47de061bd");
        ObjectNode r = mapped(doc).getFirst().record();
        assertThat(r.get("observedAt").asText()).isEqualTo("2023-06-03T10:00:00Z");
        assertThat(r.get("tags").get("oscal.observation-uuids").asText())
                .isEqualTo("8807eb6e-0c05-43bc-8438-799739615e34, 4a2fb32e-9be9-43cf-b717-e9e47de061bd");
    }

    @Test
    void shapeProblemsAreAllReportedWithTheirPaths() throws Exception {
        ObjectNode doc = example();
        ObjectNode finding = (ObjectNode) doc.at("/assessment-results/results/0/findings/0");
        finding.remove("uuid");
        ((ObjectNode) finding.get("target")).remove("target-id");
        ((ObjectNode) finding.at("/related-observations/0")).put("observation-uuid", "no-such-observation");
        ((ObjectNode) doc.at("/assessment-results/results/0")).remove("end");

        assertThat(errors(doc)).extracting(FieldError::path).containsExactlyInAnyOrder(
                "assessment-results.results[0].findings[0].uuid",
                "assessment-results.results[0].findings[0].target.target-id",
                "assessment-results.results[0].findings[0].related-observations[0].observation-uuid",
                "assessment-results.results[0].findings[0]");
        assertThat(errors(doc)).filteredOn(e -> e.path().endsWith("findings[0]")).first().extracting(FieldError::reason).asString()
                .contains("has no time");
    }

    @Test
    void otherDocumentsAreNamedForWhatTheyAre() throws Exception {
        assertThat(errors(JSON.readTree("{\"catalog\": {}}")).getFirst().reason())
                .contains("expected an object with a top-level \"assessment-results\" object").contains("[\"catalog\"]");
        assertThat(errors(JSON.readTree("[1, 2]")).getFirst().reason()).contains("found array");
        assertThat(errors(JSON.readTree("{\"assessment-results\": {}}")).getFirst())
                .isEqualTo(new FieldError("assessment-results.results", "is required (an array of results)"));
        assertThat(errors(JSON.readTree("{\"assessment-results\": {\"results\": [{\"findings\": {}}]}}")).getFirst().path())
                .isEqualTo("assessment-results.results[0].findings");
        assertThat(errors(JSON.readTree("{\"assessment-results\": {\"results\": [{\"end\": \"last tuesday\"}]}}")).getFirst().reason())
                .contains("RFC 3339");
    }

    @Test
    void anObjectiveIdWithoutItsControlIsRefused() throws Exception {
        ObjectNode doc = example();
        ((ObjectNode) doc.at("/assessment-results/results/0/findings/0/target")).put("target-id", "objective7");
        assertThat(errors(doc).getFirst().reason()).contains("does not name its control");
    }
}
