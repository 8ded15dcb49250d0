package org.compliancepipeline.sink.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The NDJSON lines the sink sends, without a cluster. */
class SearchDocumentsTest {
    private final ObjectMapper json = new ObjectMapper();
    private final SearchDocuments documents = new SearchDocuments(json.getFactory());

    private List<JsonNode> lines() throws Exception {
        String text = new String(documents.buffer().array(), 0, documents.buffer().size(), StandardCharsets.UTF_8);
        assertThat(text).endsWith("\n");
        return text.lines().map(l -> {
            try {
                return json.readTree(l);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
    }

    @Test
    void aRecordIsCreatedUnderItsRecordIdWithEveryFacetAsAKeyword() throws Exception {
        EnrichedRecord e = Enriched.of(2);   // org known (sector finance), control known, tags
        documents.createRecord("compliance-records-2026.11", e);
        List<JsonNode> l = lines();
        assertThat(l).hasSize(2);
        assertThat(l.get(0).toString()).isEqualTo("{\"create\":{\"_index\":\"compliance-records-2026.11\",\"_id\":\"rec-2\"}}");
        JsonNode d = l.get(1);
        assertThat(d.path("recordId").asText()).isEqualTo("rec-2");
        assertThat(d.path("orgId").asText()).isEqualTo("org-2");
        assertThat(d.path("orgName").asText()).isEqualTo("Org 2");
        assertThat(d.path("sector").asText()).isEqualTo("finance");
        assertThat(d.path("region").asText()).isEqualTo("riyadh");
        assertThat(d.path("controlTitle").asText()).isEqualTo("Access Enforcement 2");
        assertThat(d.path("family").asText()).isEqualTo("ac");
        assertThat(d.path("status").asText()).isEqualTo("PARTIALLY_SATISFIED");
        assertThat(d.path("score").asDouble()).isEqualTo(2.0);
        assertThat(d.path("observedAt").asText()).isEqualTo(e.getRecord().getObservedAt().toString());
        assertThat(d.path("tags").path("env").asText()).isEqualTo("prod");
        assertThat(d.path("tags").path("quote\"key").asText()).isEqualTo("value\\with\ttab");
        assertThat(d.path("tagKeys")).extracting(JsonNode::asText).containsExactly("env", "quote\"key");
        assertThat(d.path("tagPairs")).extracting(JsonNode::asText).containsExactly("env=prod", "quote\"key=value\\with\ttab");
        assertThat(d.path("baselines")).extracting(JsonNode::asText).containsExactly("LOW", "MODERATE");
        assertThat(d.has("flags")).isFalse();
        assertThat(d.has("objectiveId")).as("nulls are left out").isFalse();
    }

    @Test
    void unknownControlAndOrgLeaveTheirFieldsOutAndCarryTheFlag() throws Exception {
        documents.createRecord("i", Enriched.of(12));  // 12 % 13 == 12: unknown org
        JsonNode d = lines().get(1);
        assertThat(d.has("orgName")).isFalse();
        assertThat(d.path("flags")).extracting(JsonNode::asText).containsExactly("UNKNOWN_ORG");
        documents.createRecord("i", Enriched.of(7));   // 7 % 50 == 7: unknown control
        d = lines().get(1);
        assertThat(d.has("controlTitle")).isFalse();
        assertThat(d.has("weight")).isFalse();
        assertThat(d.path("flags")).extracting(JsonNode::asText).containsExactly("UNKNOWN_CONTROL");
    }

    @Test
    void aStatusIsIndexedWithAnExternalVersionThatOrdersByObservedAtThenSeverity() throws Exception {
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        ControlStatus failing = status(t, ComplianceStatus.NOT_SATISFIED);
        documents.indexStatus("compliance-control-status-v1", "acme/nist-800-53-r5/ac-2", failing);
        List<JsonNode> l = lines();
        assertThat(l.get(0).path("index").path("version").asLong()).isEqualTo(t.toEpochMilli() * 8 + 4);
        assertThat(l.get(0).path("index").path("version_type").asText()).isEqualTo("external");
        assertThat(l.get(1).path("failing").asBoolean()).isTrue();

        long satisfiedSameInstant = SearchDocuments.statusVersion(status(t, ComplianceStatus.SATISFIED));
        long satisfiedLater = SearchDocuments.statusVersion(status(t.plusMillis(1), ComplianceStatus.NOT_APPLICABLE));
        assertThat(satisfiedSameInstant).isLessThan(SearchDocuments.statusVersion(failing));
        assertThat(satisfiedLater).isGreaterThan(SearchDocuments.statusVersion(failing));
    }

    @Test
    void aTombstoneIsADelete() throws Exception {
        documents.deleteStatus("s", "acme/f/c");
        assertThat(lines()).singleElement().satisfies(n -> assertThat(n.toString()).isEqualTo("{\"delete\":{\"_index\":\"s\",\"_id\":\"acme/f/c\"}}"));
    }

    private static ControlStatus status(Instant t, ComplianceStatus s) {
        return ControlStatus.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setControlId("ac-2").setStatus(s)
                .setObservedAt(t).setRecordId("r-1").setFamily("ac").setWeight(1.0).setUpdatedAt(t.plusSeconds(1)).build();
    }
}
