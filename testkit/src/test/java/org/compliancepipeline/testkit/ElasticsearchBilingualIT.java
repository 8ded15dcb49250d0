package org.compliancepipeline.testkit;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An index with the English + Arabic analysis chain on a real Elasticsearch node: stems English,
 * normalises Arabic (hamza forms of alef), and finds titles by prefix.
 */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ElasticsearchBilingualIT {
    private final String index = "it-findings-" + UUID.randomUUID();
    private ElasticsearchClient es;

    @BeforeAll
    void createIndexAndBulkLoad(Infra infra) throws Exception {
        es = ElasticsearchClient.of(b -> b.host(infra.elasticsearchUrl()));
        assertThat(es.ping().value()).as("GET / answers").isTrue();
        try (InputStream mapping = getClass().getResourceAsStream("/elasticsearch/findings-index.json")) {
            assertThat(es.indices().create(c -> c.index(index).withJson(mapping)).acknowledged()).isTrue();
        }
        List<Map<String, Object>> docs = List.of(
                Map.of("recordId", "r-1", "orgId", "acme", "status", "NOT_SATISFIED", "observedAt", "2026-11-25T08:31:00Z",
                        "title", "Quarterly access assessments overdue",
                        "description", "The organization's account reviews were not performed."),
                Map.of("recordId", "r-2", "orgId", "acme", "status", "SATISFIED", "observedAt", "2026-11-25T08:32:00Z",
                        "title", "صلاحيات المستخدم أحمد",
                        "description", "تمت مراجعة صلاحيات المستخدم أحمد وإغلاق الحسابات غير المستخدمة"),
                Map.of("recordId", "r-3", "orgId", "globex", "status", "SATISFIED", "observedAt", "2026-11-25T08:33:00Z",
                        "title", "Encryption at rest enabled",
                        "description", "Storage volumes are encrypted with keys held in the HSM."));
        BulkResponse bulk = es.bulk(b -> {
            b.index(index).refresh(co.elastic.clients.elasticsearch._types.Refresh.True);
            for (Map<String, Object> d : docs) {
                b.operations(BulkOperation.of(op -> op.index(i -> i.id((String) d.get("recordId")).document(d))));
            }
            return b;
        });
        assertThat(bulk.errors()).as("bulk item errors: %s", bulk.items()).isFalse();
        assertThat(bulk.items()).hasSize(docs.size());
    }

    @AfterAll
    void dropIndex() throws Exception {
        if (es != null) {
            es.indices().delete(d -> d.index(index));
            es.close();
        }
    }

    private List<String> search(String field, String text) throws Exception {
        SearchResponse<Void> r = es.search(s -> s.index(index).source(src -> src.fetch(false))
                .query(q -> q.match(m -> m.field(field).query(text))), Void.class);
        return r.hits().hits().stream().map(h -> h.id()).toList();
    }

    @Test
    void englishStemmingFindsAssessmentsWithAssessment() throws Exception {
        assertThat(search("title", "assessment")).containsExactly("r-1");
        assertThat(search("description", "review")).containsExactly("r-1");
    }

    @Test
    void arabicNormalisationFindsAhmadWrittenWithOrWithoutHamza() throws Exception {
        assertThat(search("description", "احمد")).containsExactly("r-2");
        assertThat(search("title", "أحمد")).containsExactly("r-2");
    }

    @Test
    void titlesAreFoundByPrefixForSearchAsYouType() throws Exception {
        assertThat(search("title.prefix", "encr")).containsExactly("r-3");
        assertThat(search("title.prefix", "صلا")).containsExactly("r-2");
    }

    @Test
    void keywordFacetsCountTheInput() throws Exception {
        var r = es.search(s -> s.index(index).size(0)
                .aggregations("status", a -> a.terms(t -> t.field("status"))), Void.class);
        var buckets = r.aggregations().get("status").sterms().buckets().array();
        assertThat(buckets).extracting(b -> b.key().stringValue() + "=" + b.docCount())
                .containsExactlyInAnyOrder("SATISFIED=2", "NOT_SATISFIED=1");
    }
}
