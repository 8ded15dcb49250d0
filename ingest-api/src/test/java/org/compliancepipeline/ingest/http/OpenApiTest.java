package org.compliancepipeline.ingest.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** openapi.json documents every route the server has, and every reference in it resolves. */
class OpenApiTest {

    private static JsonNode spec() throws Exception {
        try (InputStream in = HttpServer.class.getResourceAsStream("openapi.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void everyRouteIsDocumentedAndNothingElse() throws Exception {
        JsonNode paths = spec().get("paths");
        List<String> documented = new ArrayList<>();
        paths.properties().forEach(p -> p.getValue().fieldNames().forEachRemaining(m -> documented.add(m.toUpperCase(Locale.ROOT) + " " + p.getKey())));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(HttpServer.ROUTES);
    }

    @Test
    void everyOperationHasAnIdASummaryAndDescribedResponses() throws Exception {
        JsonNode spec = spec();
        assertThat(spec.get("openapi").asText()).startsWith("3.");
        spec.get("paths").properties().forEach(p -> p.getValue().properties().forEach(op -> {
            JsonNode o = op.getValue();
            assertThat(o.has("operationId")).as(p.getKey()).isTrue();
            assertThat(o.has("summary")).as(p.getKey()).isTrue();
            assertThat(o.get("responses").size()).as(p.getKey()).isPositive();
            o.get("responses").properties().forEach(r -> assertThat(r.getValue().has("description") || r.getValue().has("$ref"))
                    .as(p.getKey() + " " + r.getKey()).isTrue());
        }));
        JsonNode batch = spec.at("/paths/~1v1~1records:batch/post/responses");
        assertThat(batch.has("202")).isTrue();
        for (String status : List.of("400", "401", "403", "409", "413", "415", "422", "429", "503")) {
            assertThat(batch.has(status)).as("batch documents " + status).isTrue();
        }
    }

    @Test
    void everyReferenceResolves() throws Exception {
        JsonNode spec = spec();
        List<String> refs = new ArrayList<>();
        collect(spec, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).startsWith("#/");
            assertThat(spec.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
        }
    }

    private static void collect(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            if (node.has("$ref")) refs.add(node.get("$ref").asText());
            node.forEach(child -> collect(child, refs));
        } else if (node.isArray()) {
            node.forEach(child -> collect(child, refs));
        }
    }
}
