package org.compliancepipeline.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.compliancepipeline.sink.search.SearchTestSupport.count;
import static org.compliancepipeline.sink.search.SearchTestSupport.facet;
import static org.compliancepipeline.sink.search.SearchTestSupport.header;
import static org.compliancepipeline.sink.search.SearchTestSupport.match;

/**
 * sink-search against the real broker and the real Elasticsearch node. Each test has its own
 * topics and its own index prefix (its own templates, indices and aliases), dropped afterwards.
 */
@RealInfra
class SearchSinkIT {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String prefix = "it-" + suffix;
    private KafkaClients kafka;
    private SearchSinkConfig config;
    private ElasticsearchConnection es;
    private final List<SearchSink> sinks = new ArrayList<>();
    private final List<SimpleMeterRegistry> registries = new ArrayList<>();

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
        config = SearchSinkConfig.local(infra.elasticsearchUrl(), prefix, "it.enriched." + suffix, "it.control-status." + suffix);
        es = ElasticsearchConnection.open(config, SearchTestSupport.JSON);
        try (Admin admin = kafka.admin("it")) {
            TopicAdmin.ensureTopics(admin, List.of(
                    new Topic<>(config.enrichedTopic(), Topics.ENRICHED.keySerde(), Topics.ENRICHED.valueSerde(), 4, Map.of()),
                    new Topic<>(config.controlStatusTopic(), Topics.CONTROL_STATUS.keySerde(), Topics.CONTROL_STATUS.valueSerde(), 2, Map.of()),
                    Topics.SINK_SEARCH_DLQ), (short) 1, Duration.ofSeconds(30));
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (SearchSink s : sinks) s.close();
        SearchTestSupport.dropPrefix(es.lowLevel(), prefix);
        es.close();
        kafka.close();
    }

    private SearchSink startSink(String group) {
        SinkConfig sinkConfig = new SinkConfig(SearchSink.NAME, group, config.topics(), Topics.SINK_SEARCH_DLQ.name(), 1,
                2000, 8 << 20, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), 2000);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registries.add(registry);
        SearchSink sink = SearchSink.start(sinkConfig, config, kafka, registry);
        sinks.add(sink);
        return sink;
    }

    private ElasticsearchClient client() {
        return es.client();
    }

    private Rest5Client lowLevel() {
        return es.lowLevel();
    }

    private String records() {
        return prefix + "-records";
    }

    private void produce(List<EnrichedRecord> records) throws Exception {
        try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("it", Topics.ENRICHED)) {
            for (EnrichedRecord r : records) p.send(new ProducerRecord<>(config.enrichedTopic(), r.getRecord().getOrgId(), r));
            p.flush();
        }
    }

    private void produceStatus(String key, ControlStatus status) throws Exception {
        try (KafkaProducer<String, ControlStatus> p = kafka.producer("it-status", Topics.CONTROL_STATUS)) {
            p.send(new ProducerRecord<>(config.controlStatusTopic(), key, status)).get();
        }
    }

    private static EnrichedRecord text(String id, String title, String description) {
        EnrichedRecord e = Enriched.of(1);
        ComplianceRecord r = ComplianceRecord.newBuilder(e.getRecord()).setRecordId(id).setTitle(title).setDescription(description).build();
        return EnrichedRecord.newBuilder(e).setRecord(r).build();
    }

    @Test
    void searchFindsAssessmentWithAssessmentsAndAhmadWrittenWithOrWithoutHamza() throws Exception {
        startSink("it-" + suffix);
        produce(List.of(
                text("rec-en", "Quarterly access assessments overdue", "The organization's account reviews were not performed in 2026."),
                text("rec-ar", "صلاحيات المستخدم أحمد", "تمت مراجعة صلاحيات المستخدم أحمد وإغلاق الحسابات غير المستخدمة"),
                text("rec-other", "Encryption at rest enabled", "Storage volumes are encrypted with keys held in the HSM.")));
        await().atMost(Duration.ofSeconds(60)).until(() -> count(client(), records()) == 3);

        assertThat(match(client(), records(), "title", "assessment")).containsExactly("rec-en");
        assertThat(match(client(), records(), "title", "assessments")).containsExactly("rec-en");
        assertThat(match(client(), records(), "description", "review")).containsExactly("rec-en");
        assertThat(match(client(), records(), "description", "احمد")).containsExactly("rec-ar");
        assertThat(match(client(), records(), "title", "أحمد")).containsExactly("rec-ar");
        assertThat(match(client(), records(), "description", "٢٠٢٦")).as("Arabic-Indic digits").containsExactly("rec-en");
        // Search as you type on titles.
        assertThat(match(client(), records(), "title.prefix", "encr")).containsExactly("rec-other");
        assertThat(match(client(), records(), "title.prefix", "صلا")).containsExactly("rec-ar");
        // Control titles are searchable too (every record here has the control of Enriched.of(1)).
        assertThat(match(client(), records(), "controlTitle", "enforcements")).hasSize(3);
        assertThat(match(client(), records(), "controlTitle.prefix", "enfo")).hasSize(3);
        // So is the control's statement from the catalog (stemmed: "authorization" finds "authorizations").
        assertThat(match(client(), records(), "controlStatement", "authorization")).hasSize(3);
    }

    @Test
    void facetCountsEqualTheInputAcrossMonthlyIndicesBehindTheAlias() throws Exception {
        // observedAt one minute apart: 0..1499 in November 2026, 30000..31499 in December 2026.
        List<EnrichedRecord> input = new ArrayList<>();
        IntStream.range(0, 1_500).forEach(i -> input.add(Enriched.of(i)));
        IntStream.range(30_000, 31_500).forEach(i -> input.add(Enriched.of(i)));
        startSink("it-" + suffix);
        produce(input);
        await().atMost(Duration.ofSeconds(90)).until(() -> count(client(), records()) == input.size());

        assertThat(count(client(), prefix + "-records-2026.11")).isEqualTo(1_500);
        assertThat(count(client(), prefix + "-records-2026.12")).isEqualTo(1_500);
        assertFacet("orgId", input, e -> List.of(e.getRecord().getOrgId()));
        assertFacet("framework", input, e -> List.of(e.getRecord().getFramework()));
        assertFacet("controlId", input, e -> List.of(e.getRecord().getControlId()));
        assertFacet("status", input, e -> List.of(e.getRecord().getStatus().name()));
        assertFacet("source", input, e -> List.of(e.getRecord().getSource()));
        assertFacet("method", input, e -> List.of(e.getRecord().getMethod().name()));
        assertFacet("family", input, e -> e.getControl() == null ? List.of() : List.of(e.getControl().getFamily()));
        assertFacet("sector", input, e -> e.getOrganization() == null || e.getOrganization().getSector() == null ? List.of()
                : List.of(e.getOrganization().getSector()));
        assertFacet("region", input, e -> e.getOrganization() == null ? List.of() : List.of(e.getOrganization().getRegion()));
        assertFacet("tagKeys", input, e -> List.copyOf(e.getRecord().getTags().keySet()));
        assertFacet("tagPairs", input, e -> e.getRecord().getTags().entrySet().stream().map(t -> t.getKey() + "=" + t.getValue()).toList());
        assertFacet("tags", input, e -> List.copyOf(e.getRecord().getTags().values()));
        assertFacet("tags.env", input, e -> e.getRecord().getTags().containsKey("env") ? List.of(e.getRecord().getTags().get("env")) : List.of());
        assertFacet("flags", input, e -> e.getFlags().stream().map(EnrichmentFlag::name).toList());

        var scores = client().search(s -> s.index(records()).size(0)
                .aggregations("sum", a -> a.sum(x -> x.field("score"))), Void.class).aggregations().get("sum").sum().value();
        assertThat(scores).isEqualTo(input.stream().mapToDouble(e -> e.getRecord().getScore() == null ? 0 : e.getRecord().getScore()).sum());
    }

    private void assertFacet(String field, List<EnrichedRecord> input, Function<EnrichedRecord, List<String>> values) throws Exception {
        Map<String, Long> expected = new TreeMap<>();
        for (EnrichedRecord e : input) for (String v : values.apply(e)) expected.merge(v, 1L, Long::sum);
        assertThat(facet(client(), records(), field)).as("facet %s", field).isEqualTo(expected);
    }

    @Test
    void replayingBothTopicsFromTheBeginningChangesNothing() throws Exception {
        List<EnrichedRecord> input = new ArrayList<>();
        IntStream.range(0, 1_000).forEach(i -> input.add(Enriched.of(i)));
        IntStream.range(30_000, 31_000).forEach(i -> input.add(Enriched.of(i)));
        startSink("it-first-" + suffix);
        produce(input);
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        for (int c = 0; c < 50; c++) {
            produceStatus(Keys.controlStatus("acme", "nist-800-53-r5", "ac-" + c), status("ac-" + c, t.plusSeconds(c), ComplianceStatus.values()[c % 5], "r-" + c));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> count(client(), records()) == input.size() && count(client(), prefix + "-control-status") == 50);
        try (Admin admin = kafka.admin("it")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> SearchTestSupport.caughtUp(admin, "it-first-" + suffix, config.topics()));
        }
        Map<String, String> records = SearchTestSupport.snapshot(client(), records());
        Map<String, String> statuses = SearchTestSupport.snapshot(client(), prefix + "-control-status");

        // A new consumer group reads everything again from offset 0.
        startSink("it-replay-" + suffix);
        try (Admin admin = kafka.admin("it")) {
            await().atMost(Duration.ofSeconds(90)).until(() -> SearchTestSupport.caughtUp(admin, "it-replay-" + suffix, config.topics()));
        }
        assertThat(SearchTestSupport.snapshot(client(), records())).as("same ids, versions, sequence numbers and sources").isEqualTo(records);
        assertThat(SearchTestSupport.snapshot(client(), prefix + "-control-status")).isEqualTo(statuses);
        SimpleMeterRegistry replay = registries.get(1);
        assertThat(SearchTestSupport.counter(replay, "sink.search.items", "result", "already_stored")).as("every replayed item met 409").isEqualTo(2_050);
        assertThat(SearchTestSupport.counter(replay, "sink.search.items", "result", "stored")).isZero();
        assertThat(SearchTestSupport.counter(replay, "sink.search.items", "result", "poison")).isZero();
    }

    @Test
    void aRecordWhoseValueBreaksItsMappingLandsInTheDeadLetterTopicWhileItsBatchNeighboursAreIndexed() throws Exception {
        List<EnrichedRecord> input = new ArrayList<>(IntStream.range(0, 500).mapToObj(Enriched::of).toList());
        // Lucene cannot index a term longer than 32,766 UTF-8 bytes: a keyword field (subject, no
        // ignore_above, as a facet must count every value) refuses the document with
        // document_parsing_exception / "immense term". Avro and the topic accept it.
        EnrichedRecord poison = Enriched.of(10_000);
        poison.getRecord().setSubject("x".repeat(40_000));
        input.add(250, poison);
        produce(input);                      // all produced first: the sink reads them as one batch
        startSink("it-" + suffix);
        await().atMost(Duration.ofSeconds(60)).until(() -> count(client(), records()) == 500);
        assertThat(SearchTestSupport.get(lowLevel(), prefix + "-records-2026.11", "rec-10000")).isNull();
        assertThat(SearchTestSupport.get(lowLevel(), prefix + "-records-2026.11", "rec-249")).isNotNull();
        assertThat(SearchTestSupport.get(lowLevel(), prefix + "-records-2026.11", "rec-250")).isNotNull();

        List<ConsumerRecord<byte[], byte[]>> dead = SearchTestSupport.deadLetters(kafka, config.enrichedTopic(), 1, Duration.ofSeconds(30));
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(Topics.ENRICHED.valueSerde().deserializer().deserialize("t", r.value()).getRecord().getRecordId()).isEqualTo("rec-10000");
            assertThat(header(r, DeadLetterHeaders.STAGE)).isEqualTo(SearchSink.NAME);
            assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).isEqualTo(BulkItemException.class.getName());
            assertThat(header(r, DeadLetterHeaders.REASON)).contains("400 document_parsing_exception", "[subject]", "immense term")
                    .hasSizeLessThan(2_000);
        });
        assertThat(SearchTestSupport.counter(registries.getFirst(), "sink.search.items", "result", "poison")).isEqualTo(1);
        assertThat(SearchTestSupport.counter(registries.getFirst(), "sink.search.items", "result", "stored")).isEqualTo(500);
    }

    @Test
    void controlStatusKeepsTheNewestObservationAndATombstoneDeletesIt() throws Exception {
        startSink("it-" + suffix);
        String key = Keys.controlStatus("acme", "nist-800-53-r5", "ac-2");
        String alias = prefix + "-control-status";
        String index = prefix + "-control-status-v1";
        Instant t = Instant.parse("2026-11-25T08:00:00Z");

        produceStatus(key, status("ac-2", t.plusSeconds(60), ComplianceStatus.SATISFIED, "r-2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> count(client(), alias) == 1);

        // Late: an older observation arrives after the newer one.
        produceStatus(key, status("ac-2", t, ComplianceStatus.NOT_SATISFIED, "r-1"));
        produceStatus(Keys.controlStatus("acme", "nist-800-53-r5", "ac-3"), status("ac-3", t, ComplianceStatus.SATISFIED, "m-1"));
        try (Admin admin = kafka.admin("it")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> SearchTestSupport.caughtUp(admin, "it-" + suffix, config.topics()));
        }
        assertThat(count(client(), alias)).isEqualTo(2);
        JsonNode doc = SearchTestSupport.get(lowLevel(), index, key);
        assertThat(doc.path("recordId").asText()).isEqualTo("r-2");
        assertThat(doc.path("status").asText()).isEqualTo("SATISFIED");

        // The same instant, a more severe status (two tools disagree): it wins, as in the stream processor.
        produceStatus(key, status("ac-2", t.plusSeconds(60), ComplianceStatus.NOT_SATISFIED, "r-3"));
        await().atMost(Duration.ofSeconds(30)).until(() -> "r-3".equals(SearchTestSupport.get(lowLevel(), index, key).path("recordId").asText()));
        doc = SearchTestSupport.get(lowLevel(), index, key);
        assertThat(doc.path("failing").asBoolean()).isTrue();
        assertThat(facet(client(), alias, "status")).containsEntry("NOT_SATISFIED", 1L).containsEntry("SATISFIED", 1L);

        // Tombstone: the control no longer has a status.
        try (KafkaProducer<String, ControlStatus> p = kafka.producer("it-status", Topics.CONTROL_STATUS)) {
            p.send(new ProducerRecord<>(config.controlStatusTopic(), key, null)).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> SearchTestSupport.get(lowLevel(), index, key) == null);
        assertThat(count(client(), alias)).isEqualTo(1);
        assertThat(SearchTestSupport.deadLetters(kafka, config.controlStatusTopic(), 1, Duration.ofSeconds(3))).isEmpty();
    }

    @Test
    void itemsRefusedByAWriteBlockedIndexAreRetriedAloneWhileTheOthersAreStored() throws Exception {
        String december = prefix + "-records-2026.12";
        SearchIndices layout = new SearchIndices(lowLevel(), config, SearchTestSupport.JSON);
        layout.ensureReady();
        layout.ensureRecordsIndex(december);
        SearchTestSupport.put(lowLevel(), "/" + december + "/_settings", "{\"index.blocks.write\": true}");
        List<EnrichedRecord> input = new ArrayList<>();
        IntStream.range(0, 300).forEach(i -> input.add(Enriched.of(i)));
        IntStream.range(30_000, 30_300).forEach(i -> input.add(Enriched.of(i)));
        // Produced before the sink starts, so its first batch holds them all: while the blocked items
        // are retried the consumer is paused (per-partition order), so later November records would wait.
        produce(input);
        SearchSink sink = startSink("it-" + suffix);

        await().atMost(Duration.ofSeconds(60)).until(() -> count(client(), prefix + "-records-2026.11") == 300);
        await().atMost(Duration.ofSeconds(30)).until(() -> SearchTestSupport.counter(registries.getFirst(), "sink.search.items", "result", "retryable") >= 600);
        assertThat(count(client(), december)).isZero();
        // Only the blocked items are retried: the November ones were stored once.
        assertThat(SearchTestSupport.counter(registries.getFirst(), "sink.search.items", "result", "stored")).isEqualTo(300);

        SearchTestSupport.put(lowLevel(), "/" + december + "/_settings", "{\"index.blocks.write\": null}");
        await().atMost(Duration.ofSeconds(60)).until(() -> count(client(), december) == 300);
        assertThat(count(client(), records())).isEqualTo(600);
        assertThat(SearchTestSupport.counter(registries.getFirst(), "sink.search.items", "result", "poison")).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.health().check().ready());
    }

    private static ControlStatus status(String control, Instant observedAt, ComplianceStatus s, String recordId) {
        return ControlStatus.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setControlId(control).setStatus(s)
                .setObservedAt(observedAt).setRecordId(recordId).setFamily("ac").setWeight(2.0).setScore(s == ComplianceStatus.SATISFIED ? 100.0 : null)
                .setUpdatedAt(observedAt.plusSeconds(1)).build();
    }
}
