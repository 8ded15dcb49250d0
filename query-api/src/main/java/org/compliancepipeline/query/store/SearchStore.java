package org.compliancepipeline.query.store;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregation;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.Timeout;
import org.compliancepipeline.platform.config.Secret;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Full-text search over the records sink-search indexes (alias {@code <prefix>-records}, mapping in
 * sink-search's {@code records-template-v1.json}). The org scope of the caller's key is a filter of
 * the query itself, so hits, totals and facets can only ever count the key's organisations.
 */
public final class SearchStore implements AutoCloseable {
    public static final String NAME = "elasticsearch";
    /** Facets: field name in the response to keyword field of the index. */
    public static final Map<String, String> FACETS = facets();
    /** Fields a search may sort by (then recordId, so every sort is total and search_after well defined). */
    public static final List<String> SORTS = List.of("observedAt", "score", "_score", "controlId", "orgId");
    static final List<String> HIGHLIGHTED = List.of("title", "description", "controlTitle", "controlStatement");

    private final Rest5Client rest;
    private final ElasticsearchClient client;
    private final String alias;
    private final ObjectMapper json = new ObjectMapper();

    public SearchStore(List<String> urls, Secret apiKey, String username, Secret password, String alias, Duration timeout) {
        Header[] headers = new Header[0];
        if (apiKey.isPresent()) {
            headers = new Header[]{new BasicHeader("Authorization", "ApiKey " + apiKey.value())};
        } else if (!username.isEmpty()) {
            String basic = Base64.getEncoder().encodeToString((username + ":" + password.value()).getBytes(StandardCharsets.UTF_8));
            headers = new Header[]{new BasicHeader("Authorization", "Basic " + basic)};
        }
        Timeout response = Timeout.ofMilliseconds(timeout.toMillis());
        HttpHost[] hosts = urls.stream().map(u -> {
            URI uri = URI.create(u);
            return new HttpHost(uri.getScheme(), uri.getHost(), uri.getPort() < 0 ? 9200 : uri.getPort());
        }).toArray(HttpHost[]::new);
        this.rest = Rest5Client.builder(hosts)
                .setDefaultHeaders(headers)
                .setRequestConfigCallback(r -> r.setResponseTimeout(response).setConnectionRequestTimeout(response))
                .setConnectionConfigCallback(c -> c.setConnectTimeout(response).setSocketTimeout(response))
                // Every search waiting for a pooled connection would wait on the client, not in Elasticsearch's queue.
                .setConnectionManagerCallback(cm -> cm.setMaxConnPerRoute(64).setMaxConnTotal(128))
                .build();
        this.client = new ElasticsearchClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper(json)));
        this.alias = alias;
    }

    /**
     * A search as validated by the HTTP layer.
     *
     * @param orgs      organisations the hits may belong to: the intersection of the key's scope and the
     *                  {@code org} filter; null only for an unscoped key without an org filter
     * @param filters   keyword field to accepted values (framework, controlId, family, status, source)
     * @param after     the sort values of the previous page's last hit, or null
     */
    public record Search(String text, List<String> orgs, Map<String, List<String>> filters, Instant from, Instant to,
                         String sort, boolean ascending, int size, List<Object> after) { }

    public record Result(long total, List<Map<String, Object>> hits, Map<String, Map<String, Long>> facets, List<Object> nextAfter) { }

    public Result search(Search s) {
        List<Query> filter = new ArrayList<>();
        if (s.orgs() != null) filter.add(terms("orgId", s.orgs()));
        s.filters().forEach((field, values) -> filter.add(terms(field, values)));
        if (s.from() != null || s.to() != null) {
            filter.add(Query.of(q -> q.range(r -> r.date(d -> {
                d.field("observedAt");
                if (s.from() != null) d.gte(s.from().toString());
                if (s.to() != null) d.lt(s.to().toString());
                return d;
            }))));
        }
        Query must = s.text() == null ? Query.of(q -> q.matchAll(m -> m))
                : Query.of(q -> q.simpleQueryString(m -> m.query(s.text())
                        .fields("title^3", "controlTitle^2", "description", "controlStatement", "orgName.text")
                        .defaultOperator(co.elastic.clients.elasticsearch._types.query_dsl.Operator.And)));
        SortOrder order = s.ascending() ? SortOrder.Asc : SortOrder.Desc;
        SearchRequest.Builder b = new SearchRequest.Builder()
                .index(alias)
                .ignoreUnavailable(true)
                .allowNoIndices(true)
                .size(s.size())
                .trackTotalHits(t -> t.enabled(true))
                .query(q -> q.bool(bool -> bool.must(must).filter(filter)))
                .sort(so -> "_score".equals(s.sort()) ? so.score(sc -> sc.order(order)) : so.field(f -> f.field(s.sort()).order(order)))
                .sort(so -> so.field(f -> f.field("recordId").order(order)))
                .highlight(s.text() == null ? null : co.elastic.clients.elasticsearch.core.search.Highlight.of(h -> {
                    h.preTags("<mark>").postTags("</mark>").fragmentSize(160).numberOfFragments(2);
                    HIGHLIGHTED.forEach(f -> h.fields(co.elastic.clients.util.NamedValue.of(f,
                            co.elastic.clients.elasticsearch.core.search.HighlightField.of(hf -> hf))));
                    return h;
                }));
        FACETS.forEach((name, field) -> b.aggregations(name, Aggregation.of(a -> a.terms(t -> t.field(field).size(50)))));
        if (s.after() != null) b.searchAfter(s.after().stream().map(SearchStore::fieldValue).toList());
        SearchResponse<JsonNode> r;
        try {
            r = client.search(b.build(), JsonNode.class);
        } catch (ElasticsearchException e) {
            if (e.status() >= 500 || e.status() == 429) throw new StoreDown(NAME, "Elasticsearch could not answer: " + e.getMessage(), e);
            throw new IllegalStateException("Elasticsearch refused the search: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreDown(NAME, "Elasticsearch is not reachable: " + e.getMessage(), e);
        }
        List<Map<String, Object>> hits = new ArrayList<>();
        List<Object> last = null;
        for (Hit<JsonNode> h : r.hits().hits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("recordId", h.id());
            m.put("score", h.score());
            m.put("record", h.source());
            m.put("highlight", h.highlight());
            hits.add(m);
            last = h.sort().stream().map(FieldValue::_get).toList();
        }
        Map<String, Map<String, Long>> facets = new LinkedHashMap<>();
        FACETS.keySet().forEach(name -> {
            Map<String, Long> counts = new LinkedHashMap<>();
            var agg = r.aggregations().get(name);
            if (agg != null && agg.isSterms()) {
                for (StringTermsBucket bucket : agg.sterms().buckets().array()) counts.put(bucket.key().stringValue(), bucket.docCount());
            }
            facets.put(name, counts);
        });
        long total = r.hits().total() == null ? hits.size() : r.hits().total().value();
        return new Result(total, hits, facets, hits.size() == s.size() ? last : null);
    }

    /** True when Elasticsearch answers a ping now. */
    public boolean reachable() {
        try {
            return rest.performRequest(new co.elastic.clients.transport.rest5_client.low_level.Request("GET", "/_cluster/health"))
                    .getStatusCode() < 300;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static Query terms(String field, List<String> values) {
        return Query.of(q -> q.terms(t -> t.field(field).terms(v -> v.value(values.stream().map(FieldValue::of).toList()))));
    }

    private static FieldValue fieldValue(Object o) {
        if (o == null) return FieldValue.NULL;
        if (o instanceof Long || o instanceof Integer) return FieldValue.of(((Number) o).longValue());
        if (o instanceof Number n) return FieldValue.of(n.doubleValue());
        if (o instanceof Boolean bool) return FieldValue.of(bool);
        return FieldValue.of(o.toString());
    }

    private static Map<String, String> facets() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("orgId", "orgId");
        m.put("framework", "framework");
        m.put("status", "status");
        m.put("family", "family");
        m.put("source", "source");
        m.put("method", "method");
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public void close() throws IOException {
        rest.close();
    }
}
