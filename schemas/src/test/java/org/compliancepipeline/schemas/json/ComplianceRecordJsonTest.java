package org.compliancepipeline.schemas.json;

import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ComplianceRecordJsonTest {

    private static final String FULL = """
            {"recordId":"r-1","orgId":"acme","framework":"nist-800-53-r5","controlId":"ac-6.1",
             "objectiveId":"ac-6.1_obj","status":"NOT_SATISFIED","score":12.5,
             "observedAt":"2026-11-25T08:31:00+03:00","source":"scanner-7","method":"AUTOMATED",
             "subject":"host-17","title":"Privileged access not restricted","description":"وصول أحمد",
             "evidenceUris":["https://evidence.example/42"],"tags":{"env":"prod"}}""";

    @Test
    void aCompleteDocumentMapsEveryField() {
        ComplianceRecord r = ComplianceRecordJson.parse(FULL, () -> "unused").orElseThrow();
        assertThat(r.getRecordId()).isEqualTo("r-1");
        assertThat(r.getControlId()).isEqualTo("ac-6.1");
        assertThat(r.getObjectiveId()).isEqualTo("ac-6.1_obj");
        assertThat(r.getStatus()).isEqualTo(ComplianceStatus.NOT_SATISFIED);
        assertThat(r.getScore()).isEqualTo(12.5);
        assertThat(r.getObservedAt()).isEqualTo(Instant.parse("2026-11-25T05:31:00Z"));
        assertThat(r.getMethod()).isEqualTo(AssessmentMethod.AUTOMATED);
        assertThat(r.getDescription()).isEqualTo("وصول أحمد");
        assertThat(r.getEvidenceUris()).containsExactly("https://evidence.example/42");
        assertThat(r.getTags()).containsExactlyEntriesOf(Map.of("env", "prod"));
    }

    @Test
    void toJsonAndBackIsTheSameRecord() {
        ComplianceRecord r = ComplianceRecordJson.parse(FULL, () -> "unused").orElseThrow();
        String json = ComplianceRecordJson.toJsonString(r);
        assertThat(ComplianceRecordJson.parse(json, () -> "unused").orElseThrow()).isEqualTo(r);
    }

    @Test
    void aMissingRecordIdIsAssigned() {
        String json = """
                {"orgId":"acme","framework":"nist-800-53-r5","controlId":"ac-2","status":"satisfied",
                 "observedAt":1795627917301,"source":"grc","method":"examine"}""";
        ComplianceRecord r = ComplianceRecordJson.parse(json, () -> "assigned-1").orElseThrow();
        assertThat(r.getRecordId()).isEqualTo("assigned-1");
        assertThat(r.getStatus()).isEqualTo(ComplianceStatus.SATISFIED);
        assertThat(r.getMethod()).isEqualTo(AssessmentMethod.EXAMINE);
        assertThat(r.getObservedAt()).isEqualTo(Instant.ofEpochMilli(1795627917301L));
        assertThat(r.getEvidenceUris()).isEmpty();
        assertThat(r.getTags()).isEmpty();
    }

    @Test
    void oscalStyleStatusSpellingIsAccepted() {
        String json = FULL.replace("\"NOT_SATISFIED\"", "\"not-satisfied\"");
        assertThat(ComplianceRecordJson.parse(json, () -> "x").orElseThrow().getStatus()).isEqualTo(ComplianceStatus.NOT_SATISFIED);
    }

    @Test
    void everyProblemIsReportedWithItsPathNotOnlyTheFirst() {
        String json = """
                {"orgId":"acme/evil","framework":7,"status":"GREEN","score":101,
                 "observedAt":"yesterday","method":"AUTOMATED","colour":"red",
                 "evidenceUris":["https://ok.example/1","not a uri",5],"tags":{"env":3,"bad key":"x"}}""";
        List<FieldError> errors = ComplianceRecordJson.parse(json, () -> "x").errors();
        assertThat(errors).extracting(FieldError::path).containsExactlyInAnyOrder(
                "colour", "orgId", "framework", "controlId", "status", "score", "observedAt", "source",
                "evidenceUris[1]", "evidenceUris[2]", "tags.env", "tags.bad key");
        assertThat(errors).filteredOn(e -> e.path().equals("colour")).extracting(FieldError::reason).containsExactly("unknown field");
        assertThat(errors).filteredOn(e -> e.path().equals("status")).first().extracting(FieldError::reason).asString()
                .contains("must be one of SATISFIED").contains("'GREEN'");
        assertThat(errors).filteredOn(e -> e.path().equals("score")).first().extracting(FieldError::reason).asString()
                .contains("between 0 and 100");
        assertThat(errors).filteredOn(e -> e.path().equals("controlId")).first().extracting(FieldError::reason).isEqualTo("is required");
        assertThat(errors).filteredOn(e -> e.path().equals("framework")).first().extracting(FieldError::reason).asString()
                .contains("must be a string");
    }

    @Test
    void malformedJsonNamesLineAndColumn() {
        var errors = ComplianceRecordJson.parse("{\n  \"orgId\": \"acme\",\n  oops\n}", () -> "x").errors();
        assertThat(errors).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("$");
            assertThat(e.reason()).contains("malformed JSON at line 3 column");
        });
    }

    @Test
    void anArrayIsNotARecord() {
        assertThat(ComplianceRecordJson.parse("[]", () -> "x").errors())
                .containsExactly(new FieldError("$", "must be a JSON object, got an array"));
    }

    @Test
    void oversizedTextIsRejected() {
        String json = FULL.replace("\"Privileged access not restricted\"", "\"" + "x".repeat(513) + "\"");
        assertThat(ComplianceRecordJson.parse(json, () -> "x").errors())
                .containsExactly(new FieldError("title", "must be at most 512 characters, got 513"));
    }
}
