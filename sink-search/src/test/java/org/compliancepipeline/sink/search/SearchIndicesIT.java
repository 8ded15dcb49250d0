package org.compliancepipeline.sink.search;

import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.sink.search.SearchTestSupport.getJson;
import static org.compliancepipeline.sink.search.SearchTestSupport.put;

/**
 * The index layout on the real node: templates installed once and idempotently, the read alias on
 * every monthly index, the status index behind its alias, and the versioning procedure of the
 * README (a v2 template applies to indices created after it; reads through the alias span both).
 */
@RealInfra
class SearchIndicesIT {
    private final String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private SearchSinkConfig config;
    private ElasticsearchConnection es;

    @BeforeEach
    void setUp(Infra infra) {
        config = SearchSinkConfig.local(infra.elasticsearchUrl(), prefix, "unused", "unused");
        es = ElasticsearchConnection.open(config, SearchTestSupport.JSON);
    }

    @AfterEach
    void tearDown() throws Exception {
        SearchTestSupport.dropPrefix(es.lowLevel(), prefix);
        es.close();
    }

    private Rest5Client client() {
        return es.lowLevel();
    }

    private JsonNode template(String name) throws Exception {
        return getJson(client(), "/_index_template/" + name).path("index_templates").get(0).path("index_template");
    }

    @Test
    void templatesAreInstalledOnceWithVersionAndMetaAndEveryMonthlyIndexCarriesTheReadAlias() throws Exception {
        SearchIndices indices = new SearchIndices(client(), config, SearchTestSupport.JSON);
        indices.ensureReady();
        JsonNode records = template(prefix + "-records-v1");
        assertThat(records.path("version").asInt()).isEqualTo(1);
        assertThat(records.path("_meta").path("mapping_version").asInt()).isEqualTo(1);
        assertThat(records.path("index_patterns").get(0).asText()).isEqualTo(prefix + "-records-*");
        String hash = records.path("_meta").path("body_sha256").asText();
        assertThat(hash).hasSize(64);

        // A second instance starting: nothing changes.
        new SearchIndices(client(), config, SearchTestSupport.JSON).ensureReady();
        assertThat(template(prefix + "-records-v1")).isEqualTo(records);

        String nov = indices.recordsIndex(Instant.parse("2026-11-30T23:59:59.999Z"));
        String dec = indices.recordsIndex(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(nov).isEqualTo(prefix + "-records-2026.11");
        assertThat(dec).isEqualTo(prefix + "-records-2026.12");
        indices.ensureRecordsIndex(nov);
        indices.ensureRecordsIndex(dec);
        new SearchIndices(client(), config, SearchTestSupport.JSON).ensureRecordsIndex(dec); // exists already: fine
        JsonNode aliases = getJson(client(), "/_alias/" + prefix + "-records");
        assertThat(aliases.has(nov)).isTrue();
        assertThat(aliases.has(dec)).isTrue();
        JsonNode settings = getJson(client(), "/" + nov + "/_settings").path(nov).path("settings").path("index");
        assertThat(settings.path("number_of_replicas").asText()).isEqualTo("0");
        assertThat(getJson(client(), "/" + nov + "/_mapping").path(nov).path("mappings").path("dynamic").asText()).isEqualTo("strict");

        JsonNode status = getJson(client(), "/_alias/" + prefix + "-control-status");
        assertThat(status.has(prefix + "-control-status-v1")).isTrue();
    }

    @Test
    void changedIndexSettingsRewriteTheTemplateOfTheSameVersionForNewIndicesOnly() throws Exception {
        new SearchIndices(client(), config, SearchTestSupport.JSON).ensureReady();
        String before = template(prefix + "-records-v1").path("_meta").path("body_sha256").asText();
        SearchSinkConfig twoShards = new SearchSinkConfig(List.of(URI.create(config.urls().getFirst().toString())), config.apiKey(), "",
                config.password(), 1000, 5L << 20, 2, prefix, 2, 0, "5s", config.requestTimeout(), false, "unused", "unused");
        SearchIndices indices = new SearchIndices(client(), twoShards, SearchTestSupport.JSON);
        indices.ensureReady();
        assertThat(template(prefix + "-records-v1").path("_meta").path("body_sha256").asText()).isNotEqualTo(before);
        String index = indices.recordsIndex(Instant.parse("2027-01-15T00:00:00Z"));
        indices.ensureRecordsIndex(index);
        JsonNode settings = getJson(client(), "/" + index + "/_settings").path(index).path("settings").path("index");
        assertThat(settings.path("number_of_shards").asText()).isEqualTo("2");
        assertThat(settings.path("refresh_interval").asText()).isEqualTo("5s");
    }

    @Test
    void aV2TemplateAppliesToIndicesCreatedAfterItAndReadsThroughTheAliasSpanBoth() throws Exception {
        SearchIndices v1 = new SearchIndices(client(), config, SearchTestSupport.JSON);
        v1.ensureReady();
        String old = v1.recordsIndex(Instant.parse("2026-11-01T00:00:00Z"));
        v1.ensureRecordsIndex(old);
        put(client(), "/" + old + "/_doc/r-1?refresh=true", "{\"recordId\":\"r-1\",\"orgId\":\"acme\",\"title\":\"Access assessments\"}");

        // The procedure of the README: the next mapping version is a new template, same patterns, higher priority.
        ObjectNode v2 = v1.template("elasticsearch/records-template-v1.json");
        v2.put("version", 2).put("priority", 102);
        ((ObjectNode) v2.get("_meta")).put("mapping_version", 2);
        ObjectNode mappings = (ObjectNode) v2.path("template").path("mappings");
        ((ObjectNode) mappings.get("_meta")).put("mapping_version", 2);
        ((ObjectNode) mappings.get("properties")).putObject("riskLevel").put("type", "keyword");
        put(client(), "/_index_template/" + prefix + "-records-v2", v2.toString());

        // A v1 sink (re)starting leaves v2 alone: v2 wins by priority for new indices.
        new SearchIndices(client(), config, SearchTestSupport.JSON).ensureReady();
        String next = v1.recordsIndex(Instant.parse("2026-12-01T00:00:00Z"));
        v1.ensureRecordsIndex(next);
        put(client(), "/" + next + "/_doc/r-2?refresh=true", "{\"recordId\":\"r-2\",\"orgId\":\"acme\",\"title\":\"Assessment of access\",\"riskLevel\":\"high\"}");

        assertThat(getJson(client(), "/" + old + "/_mapping").path(old).path("mappings").path("_meta").path("mapping_version").asInt()).isEqualTo(1);
        assertThat(getJson(client(), "/" + next + "/_mapping").path(next).path("mappings").path("_meta").path("mapping_version").asInt()).isEqualTo(2);
        assertThat(SearchTestSupport.match(es.client(), prefix + "-records", "title", "assessment")).containsExactly("r-1", "r-2");
        assertThat(SearchTestSupport.facet(es.client(), prefix + "-records", "riskLevel")).containsExactly(java.util.Map.entry("high", 1L));
    }
}
