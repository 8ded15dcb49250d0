package org.compliancepipeline.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.Search;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.Topics;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/** What the tests and the benchmark ask Elasticsearch and Kafka. */
final class SearchTestSupport {
    private SearchTestSupport() { }

    static final ObjectMapper JSON = new ObjectMapper();

    static long count(ElasticsearchClient es, String target) {
        try {
            es.indices().refresh(r -> r.index(target).ignoreUnavailable(true).allowNoIndices(true));
            return es.count(c -> c.index(target).ignoreUnavailable(true).allowNoIndices(true)).count();
        } catch (Exception e) {
            return -1;
        }
    }

    static List<String> ids(ElasticsearchClient es, String target, Function<Query.Builder, co.elastic.clients.util.ObjectBuilder<Query>> query) throws Exception {
        es.indices().refresh(r -> r.index(target));
        SearchResponse<Void> r = es.search(s -> s.index(target).size(100).source(src -> src.fetch(false)).query(query), Void.class);
        return r.hits().hits().stream().map(Hit::id).sorted().toList();
    }

    static List<String> match(ElasticsearchClient es, String target, String field, String text) throws Exception {
        return ids(es, target, q -> q.match(m -> m.field(field).query(text)));
    }

    /** Bucket key to doc count of a terms aggregation over every value of the field. */
    static Map<String, Long> facet(ElasticsearchClient es, String target, String field) throws Exception {
        es.indices().refresh(r -> r.index(target));
        var r = es.search(s -> s.index(target).size(0)
                .aggregations("f", a -> a.terms(t -> t.field(field).size(10_000))), Void.class);
        return r.aggregations().get("f").sterms().buckets().array().stream()
                .collect(Collectors.toMap(b -> b.key().stringValue(), b -> b.docCount(), (a, b) -> a, TreeMap::new));
    }

    /** Every document of the target (at most 10,000) as index/id to "version seqNo source", for before/after comparisons. */
    static Map<String, String> snapshot(ElasticsearchClient es, String target) throws Exception {
        es.indices().refresh(r -> r.index(target));
        SearchResponse<JsonNode> r = es.search(s -> s.index(target).size(10_000).version(true).seqNoPrimaryTerm(true)
                .trackTotalHits(t -> t.enabled(true)), JsonNode.class);
        if (r.hits().total().value() > 10_000) throw new IllegalStateException("snapshot is for small test indices");
        Map<String, String> out = new TreeMap<>();
        for (Hit<JsonNode> h : r.hits().hits()) out.put(h.index() + "/" + h.id(), "v" + h.version() + " seq" + h.seqNo() + " " + h.source());
        return out;
    }

    /** The document's source, or null when there is none. */
    static JsonNode get(Rest5Client client, String index, String id) throws Exception {
        Response r = client.performRequest(new Request("GET", "/" + index + "/_doc/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8)));
        if (r.getStatusCode() == 404) return null;
        return JSON.readTree(ElasticsearchConnection.successful(r).getEntity().getContent()).path("_source");
    }

    static JsonNode getJson(Rest5Client client, String endpoint) throws Exception {
        return JSON.readTree(ElasticsearchConnection.perform(client, new Request("GET", endpoint)).getEntity().getContent());
    }

    static void put(Rest5Client client, String endpoint, String body) throws Exception {
        Request r = new Request("PUT", endpoint);
        if (body != null) r.setJsonEntity(body);
        ElasticsearchConnection.perform(client, r);
    }

    /** Deletes every index and template of a prefix, by name (wildcard deletes of indices are refused). */
    static void dropPrefix(Rest5Client client, String prefix) {
        try {
            JsonNode indices = getJson(client, "/_cat/indices/" + prefix + "-*?format=json&h=index&expand_wildcards=all");
            for (JsonNode i : indices) ElasticsearchConnection.perform(client, new Request("DELETE", "/" + i.path("index").asText()));
            JsonNode templates = getJson(client, "/_index_template/" + prefix + "-*").path("index_templates");
            for (JsonNode t : templates) ElasticsearchConnection.perform(client, new Request("DELETE", "/_index_template/" + t.path("name").asText()));
        } catch (Exception e) {
            // a leftover test index is not worth failing a test for
        }
    }

    /** True when the group's committed offsets reached the end of every partition of the topics. */
    static boolean caughtUp(Admin admin, String group, List<String> topics) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (var d : admin.describeTopics(topics).allTopicNames().get().values()) {
                d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
            }
            var ends = admin.listOffsets(latest).all().get();
            for (var e : ends.entrySet()) {
                long end = e.getValue().offset();
                OffsetAndMetadata c = committed.get(e.getKey());
                if (end > 0 && (c == null || c.offset() < end)) return false;
            }
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Dead letters of the sink whose source topic is one of ours (the DLQ topic is shared by every test). */
    static List<ConsumerRecord<byte[], byte[]>> deadLetters(KafkaClients kafka, String sourceTopic, int atLeast, Duration wait) {
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var c = kafka.consumer("dlq-" + System.nanoTime(), "dlq", Topics.SINK_SEARCH_DLQ, Map.of())) {
            c.subscribe(List.of(Topics.SINK_SEARCH_DLQ.name()));
            long deadline = System.currentTimeMillis() + wait.toMillis();
            while (System.currentTimeMillis() < deadline && dead.size() < atLeast) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (sourceTopic.equals(header(r, org.compliancepipeline.schemas.DeadLetterHeaders.SOURCE_TOPIC))) dead.add(r);
                });
            }
        }
        return dead;
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static double counter(MeterRegistry registry, String name, String tag, String value) {
        return Search.in(registry).name(name).tag(tag, value).counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
