package org.compliancepipeline.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.ResponseListener;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Docs/s from Kafka into Elasticsearch through sink-search, and in the same run the limit: a raw
 * bulk load of the same documents (the very NDJSON bytes the sink sends), with the same bulk size
 * and the same number of requests in flight, straight from memory. Optionally (on by default) the
 * two ways of building bulk requests without Kafka, to justify the sink's choice: its NDJSON
 * writer ({@link SearchDocuments} + {@link BulkIndexer}) against the typed client's
 * {@code BulkRequest} with the documents as maps.
 *
 * <pre>bin/bench sink-search [--records 500000] [--bulk-actions 1000] [--bulk-bytes 5242880] [--in-flight 2]
 *                          [--consumers 4] [--batch 5000] [--compare-client true] [--keep false]</pre>
 */
public final class SearchSinkBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "500000"));
        int bulkActions = Integer.parseInt(opts.getOrDefault("bulk-actions", "1000"));
        long bulkBytes = Long.parseLong(opts.getOrDefault("bulk-bytes", String.valueOf(5L << 20)));
        int inFlight = Integer.parseInt(opts.getOrDefault("in-flight", "2"));
        int consumers = Integer.parseInt(opts.getOrDefault("consumers", "4"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "5000"));
        boolean compareClient = Boolean.parseBoolean(opts.getOrDefault("compare-client", "true"));
        boolean keep = Boolean.parseBoolean(opts.getOrDefault("keep", "false"));
        Infra infra = RealInfraExtension.infra();
        String run = UUID.randomUUID().toString().substring(0, 8);
        ObjectMapper json = new ObjectMapper();

        try (KafkaClients kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry())) {
            String topic = "bench.enriched." + run;
            String statusTopic = "bench.control-status." + run;
            try (Admin admin = kafka.admin("bench")) {
                TopicAdmin.ensureTopics(admin, List.of(
                        new Topic<>(topic, Topics.ENRICHED.keySerde(), Topics.ENRICHED.valueSerde(), 12, Map.of()),
                        new Topic<>(statusTopic, Topics.CONTROL_STATUS.keySerde(), Topics.CONTROL_STATUS.valueSerde(), 1, Map.of()),
                        Topics.SINK_SEARCH_DLQ), (short) 1, Duration.ofSeconds(30));
            }
            System.out.printf("producing %,d enriched records...%n", records);
            long p0 = System.nanoTime();
            try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("bench", Topics.ENRICHED)) {
                for (int i = 0; i < records; i++) {
                    EnrichedRecord r = record(i);
                    p.send(new ProducerRecord<>(topic, r.getRecord().getOrgId(), r));
                }
                p.flush();
            }
            System.out.printf("produced in %.1f s%n", (System.nanoTime() - p0) / 1e9);

            // 0. Warm-up (untimed): a raw load into a throwaway prefix, so neither measured phase pays for a cold node's JIT.
            SearchSinkConfig warmSide = SearchSinkConfig.local(infra.elasticsearchUrl(), "bench-" + run + "-warmup", topic, statusTopic)
                    .withBulk(bulkActions, bulkBytes, inFlight);
            int warmRecords = Math.min(records, 50_000);
            prepare(warmSide, json, warmRecords);
            List<byte[]> warmBodies = new ArrayList<>();
            List<Integer> warmSizes = new ArrayList<>();
            buildBodies(warmSide, json, warmRecords, bulkActions, bulkBytes, warmBodies, warmSizes);
            try (ElasticsearchConnection es = ElasticsearchConnection.open(warmSide, json)) {
                System.out.printf("warm-up: %,d docs in %.1f s%n", warmRecords,
                        sendRaw(es, warmBodies, warmSizes, inFlight, new Histogram(3_600_000_000L, 3)));
            }
            verifyAndDrop(warmSide, json, warmRecords, false);

            // 1. The sink: from start until its committed offsets (moved only after Elasticsearch acknowledged) cover every record.
            SearchSinkConfig sinkSide = SearchSinkConfig.local(infra.elasticsearchUrl(), "bench-" + run + "-sink", topic, statusTopic)
                    .withBulk(bulkActions, bulkBytes, inFlight);
            prepare(sinkSide, json, records);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SinkConfig sinkConfig = new SinkConfig(SearchSink.NAME, "bench-" + run, sinkSide.topics(), Topics.SINK_SEARCH_DLQ.name(),
                    consumers, batch, 64L << 20, Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(30), batch);
            double sinkSeconds;
            try (Admin admin = kafka.admin("bench-progress");
                 SearchSink sink = SearchSink.start(sinkConfig, sinkSide, kafka, registry)) {
                long s0 = System.nanoTime();
                while (!SearchTestSupport.caughtUp(admin, "bench-" + run, List.of(topic))) TimeUnit.MILLISECONDS.sleep(100);
                sinkSeconds = (System.nanoTime() - s0) / 1e9;
            }
            double sinkRate = records / sinkSeconds;
            Timer bulk = registry.get("sink.search.bulk").tag("outcome", "ok").timer();
            double p50 = percentile(bulk, 0.5), p99 = percentile(bulk, 0.99);
            long bulkRequests = bulk.count();
            verifyAndDrop(sinkSide, json, records, keep);
            System.out.printf("sink: %,d docs in %.2f s = %,.0f docs/s (%d bulk requests, p50 %.1f ms, p99 %.1f ms)%n",
                    records, sinkSeconds, sinkRate, bulkRequests, p50, p99);

            // 2. The limit: the same NDJSON bytes, same bulk size, same requests in flight, from memory.
            SearchSinkConfig rawSide = sinkSide.withPrefix("bench-" + run + "-raw");
            prepare(rawSide, json, records);
            List<byte[]> bodies = new ArrayList<>();
            List<Integer> bodySizes = new ArrayList<>();
            long docBytes = buildBodies(rawSide, json, records, bulkActions, bulkBytes, bodies, bodySizes);
            Histogram rawLatency = new Histogram(3_600_000_000L, 3);
            double rawSeconds;
            try (ElasticsearchConnection es = ElasticsearchConnection.open(rawSide, json)) {
                rawSeconds = sendRaw(es, bodies, bodySizes, inFlight, rawLatency);
            }
            bodies.clear();
            double rawRate = records / rawSeconds;
            verifyAndDrop(rawSide, json, records, keep);
            System.out.printf("raw bulk from memory: %,d docs in %.2f s = %,.0f docs/s (%d requests, p50 %.1f ms, p99 %.1f ms); ratio %.2f%n",
                    records, rawSeconds, rawRate, bodySizes.size(), rawLatency.getValueAtPercentile(50) / 1000.0,
                    rawLatency.getValueAtPercentile(99) / 1000.0, sinkRate / rawRate);

            BenchReport report = new BenchReport("sink-search", System.getProperty("pipeline.bench.command", "bin/bench sink-search"))
                    .rate(sinkRate, "docs/s").limitRate(rawRate)
                    .latency("p50", p50).latency("p99", p99)
                    .latency("limit_p50", rawLatency.getValueAtPercentile(50) / 1000.0)
                    .latency("limit_p99", rawLatency.getValueAtPercentile(99) / 1000.0)
                    .figure("latency_of", "one bulk request of the sink, send to response (limit_*: of the raw load)")
                    .figure("limit", "POST _bulk of the same NDJSON bodies, same bulk size and in-flight bound, pre-built in memory, into the same templates")
                    .figure("records", records).figure("bulk_actions", bulkActions).figure("bulk_max_bytes", bulkBytes)
                    .figure("in_flight", inFlight).figure("consumers", consumers).figure("batch_records", batch)
                    .figure("bulk_requests", bulkRequests).figure("avg_doc_bytes", (double) docBytes / records)
                    .figure("elasticsearch", "local 9.5.3 node, 512 MB heap, 1 shard, 0 replicas, refresh 1s")
                    .figure("goal_ratio", 0.7);

            if (compareClient) {
                // 3. How to build bulk requests, without Kafka: the sink's NDJSON writer against the typed client.
                double ndjson = ndjsonWriter(sinkSide.withPrefix("bench-" + run + "-ndjson"), json, records, inFlight, keep);
                double typed = typedClient(sinkSide.withPrefix("bench-" + run + "-typed"), json, records, bulkActions, inFlight, keep);
                System.out.printf("building bulks from records in memory: NDJSON writer %,.0f docs/s, typed client %,.0f docs/s%n", ndjson, typed);
                report.figure("ndjson_writer_rate", ndjson).figure("typed_client_rate", typed)
                        .figure("client_comparison", "records generated in memory, bulk built and sent: the sink's NDJSON writer vs the typed client's BulkRequest with maps");
            }
            report.write();
            try (Admin admin = kafka.admin("bench")) {
                admin.deleteTopics(List.of(topic, statusTopic)).all().get();
            }
        }
    }

    /** Enriched records of the tests, observed 3 s apart (500,000 fit in one month: one monthly index, as in production). */
    static EnrichedRecord record(int i) {
        EnrichedRecord e = Enriched.of(i);
        ComplianceRecord r = e.getRecord();
        r.setObservedAt(Enriched.T0.plusMillis(i * 3_000L + 123));
        return e;
    }

    /** Templates and the monthly indices, before any clock starts. */
    private static void prepare(SearchSinkConfig config, ObjectMapper json, int records) throws Exception {
        try (ElasticsearchConnection es = ElasticsearchConnection.open(config, json)) {
            SearchIndices indices = new SearchIndices(es.lowLevel(), config, json);
            indices.ensureReady();
            indices.ensureRecordsIndex(indices.recordsIndex(record(0).getRecord().getObservedAt()));
            indices.ensureRecordsIndex(indices.recordsIndex(record(records - 1).getRecord().getObservedAt()));
        }
    }

    private static void verifyAndDrop(SearchSinkConfig config, ObjectMapper json, int records, boolean keep) throws Exception {
        try (ElasticsearchConnection es = ElasticsearchConnection.open(config, json)) {
            long stored = SearchTestSupport.count(es.client(), config.indexPrefix() + "-records");
            if (stored != records) throw new IllegalStateException(config.indexPrefix() + ": stored " + stored + " docs, expected " + records);
            if (!keep) SearchTestSupport.dropPrefix(es.lowLevel(), config.indexPrefix());
        }
    }

    private static long buildBodies(SearchSinkConfig config, ObjectMapper json, int records, int actions, long maxBytes,
                                    List<byte[]> bodies, List<Integer> sizes) throws Exception {
        SearchDocuments docs = new SearchDocuments(json.getFactory());
        SearchIndices indices = new SearchIndices(null, config, json);
        byte[] body = new byte[1 << 20];
        int size = 0, count = 0;
        long total = 0;
        for (int i = 0; i < records; i++) {
            EnrichedRecord e = record(i);
            docs.createRecord(indices.recordsIndex(e.getRecord().getObservedAt()), e);
            int len = docs.buffer().size();
            total += len;
            if (count > 0 && (count >= actions || size + (long) len > maxBytes)) {
                bodies.add(body);
                sizes.add(size);
                body = new byte[body.length];
                size = 0;
                count = 0;
            }
            if (size + len > body.length) body = java.util.Arrays.copyOf(body, Math.max(body.length * 2, size + len));
            System.arraycopy(docs.buffer().array(), 0, body, size, len);
            size += len;
            count++;
        }
        if (count > 0) {
            bodies.add(body);
            sizes.add(size);
        }
        return total;
    }

    private static double sendRaw(ElasticsearchConnection es, List<byte[]> bodies, List<Integer> sizes, int inFlight, Histogram latency) throws Exception {
        Semaphore permits = new Semaphore(inFlight);
        AtomicReference<String> failure = new AtomicReference<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int b = 0; b < bodies.size(); b++) {
            Request request = new Request("POST", "/_bulk");
            request.addParameter("filter_path", "errors");
            request.setEntity(new ByteArrayEntity(bodies.get(b), 0, sizes.get(b), BulkIndexer.NDJSON));
            CompletableFuture<Void> done = new CompletableFuture<>();
            permits.acquire();
            long start = System.nanoTime();
            es.lowLevel().performRequestAsync(request, new ResponseListener() {
                @Override
                public void onSuccess(Response r) {
                    permits.release();
                    synchronized (latency) {
                        latency.recordValue((System.nanoTime() - start) / 1000);
                    }
                    try {
                        String text = new String(r.getEntity().getContent().readAllBytes());
                        if (r.getStatusCode() != 200 || text.contains("true")) failure.compareAndSet(null, r.getStatusCode() + " " + text);
                    } catch (Exception e) {
                        failure.compareAndSet(null, e.toString());
                    }
                    done.complete(null);
                }

                @Override
                public void onFailure(Exception e) {
                    permits.release();
                    failure.compareAndSet(null, e.toString());
                    done.complete(null);
                }
            });
            all.add(done);
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failure.get() != null) throw new IllegalStateException("raw bulk failed: " + failure.get());
        return seconds;
    }

    /** The sink's own path without Kafka: records to NDJSON ({@link SearchDocuments}) and {@link BulkIndexer}, batches of 5,000. */
    private static double ndjsonWriter(SearchSinkConfig config, ObjectMapper json, int records, int inFlight, boolean keep) throws Exception {
        prepare(config, json, records);
        double seconds;
        try (ElasticsearchConnection es = ElasticsearchConnection.open(config, json)) {
            SearchMetrics metrics = new SearchMetrics(new SimpleMeterRegistry());
            BulkIndexer indexer = new BulkIndexer(es.lowLevel(), new Semaphore(inFlight), config.bulkMaxActions(), config.bulkMaxBytes(),
                    metrics, json.getFactory());
            SearchIndices indices = new SearchIndices(es.lowLevel(), config, json);
            SearchDocuments docs = new SearchDocuments(json.getFactory());
            long t0 = System.nanoTime();
            for (int from = 0; from < records; from += 5_000) {
                BulkIndexer.Session session = indexer.session();
                for (int i = from; i < Math.min(records, from + 5_000); i++) {
                    EnrichedRecord e = record(i);
                    docs.createRecord(indices.recordsIndex(e.getRecord().getObservedAt()), e);
                    session.add(docs.buffer().array(), 0, docs.buffer().size());
                }
                for (BulkIndexer.ItemResult r : session.finish()) if (!r.ok()) throw new IllegalStateException("item failed: " + r);
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        verifyAndDrop(config, json, records, keep);
        return records / seconds;
    }

    /** The typed client: documents as maps, BulkRequest with create operations, typed BulkResponse; batches of 5,000 as above. */
    private static double typedClient(SearchSinkConfig config, ObjectMapper json, int records, int bulkActions, int inFlight, boolean keep) throws Exception {
        prepare(config, json, records);
        double seconds;
        try (ElasticsearchConnection es = ElasticsearchConnection.open(config, json)) {
            ElasticsearchAsyncClient async = new ElasticsearchAsyncClient(es.client()._transport());
            SearchIndices indices = new SearchIndices(es.lowLevel(), config, json);
            Semaphore permits = new Semaphore(inFlight);
            AtomicReference<String> failure = new AtomicReference<>();
            long t0 = System.nanoTime();
            for (int from = 0; from < records; from += 5_000) {
                List<CompletableFuture<BulkResponse>> pending = new ArrayList<>();
                int to = Math.min(records, from + 5_000);
                for (int start = from; start < to; start += bulkActions) {
                    BulkRequest.Builder b = new BulkRequest.Builder();
                    for (int i = start; i < Math.min(to, start + bulkActions); i++) {
                        EnrichedRecord e = record(i);
                        String index = indices.recordsIndex(e.getRecord().getObservedAt());
                        Map<String, Object> doc = document(e);
                        b.operations(op -> op.create(c -> c.index(index).id(e.getRecord().getRecordId()).document(doc)));
                    }
                    permits.acquire();
                    pending.add(async.bulk(b.build()).whenComplete((r, x) -> {
                        permits.release();
                        if (x != null) failure.compareAndSet(null, x.toString());
                        else if (r.errors()) failure.compareAndSet(null, "item errors");
                    }));
                }
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).exceptionally(x -> null).get();
                if (failure.get() != null) throw new IllegalStateException("typed bulk failed: " + failure.get());
            }
            seconds = (System.nanoTime() - t0) / 1e9;
        }
        verifyAndDrop(config, json, records, keep);
        return records / seconds;
    }

    /** The same document as {@link SearchDocuments#createRecord}, as a map for the typed client's serializer. */
    private static Map<String, Object> document(EnrichedRecord e) {
        ComplianceRecord r = e.getRecord();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("recordId", r.getRecordId());
        d.put("orgId", r.getOrgId());
        if (e.getOrganization() != null) {
            d.put("orgName", e.getOrganization().getName());
            if (e.getOrganization().getSector() != null) d.put("sector", e.getOrganization().getSector());
            if (e.getOrganization().getRegion() != null) d.put("region", e.getOrganization().getRegion());
        }
        d.put("framework", r.getFramework());
        d.put("controlId", r.getControlId());
        if (r.getObjectiveId() != null) d.put("objectiveId", r.getObjectiveId());
        if (e.getControl() != null) {
            d.put("controlTitle", e.getControl().getTitle());
            d.put("family", e.getControl().getFamily());
            if (e.getControl().getFamilyTitle() != null) d.put("familyTitle", e.getControl().getFamilyTitle());
            if (e.getControl().getParentControlId() != null) d.put("parentControlId", e.getControl().getParentControlId());
            if (!e.getControl().getBaselines().isEmpty()) d.put("baselines", e.getControl().getBaselines());
            d.put("weight", e.getControl().getWeight());
        }
        d.put("status", r.getStatus().name());
        if (r.getScore() != null) d.put("score", r.getScore());
        d.put("observedAt", r.getObservedAt().toString());
        d.put("source", r.getSource());
        d.put("method", r.getMethod().name());
        if (r.getSubject() != null) d.put("subject", r.getSubject());
        if (r.getTitle() != null) d.put("title", r.getTitle());
        if (r.getDescription() != null) d.put("description", r.getDescription());
        if (!r.getEvidenceUris().isEmpty()) d.put("evidenceUris", r.getEvidenceUris());
        if (!r.getTags().isEmpty()) {
            Map<String, String> tags = new java.util.TreeMap<>(r.getTags());
            d.put("tags", tags);
            d.put("tagKeys", List.copyOf(tags.keySet()));
            d.put("tagPairs", tags.entrySet().stream().map(t -> t.getKey() + "=" + t.getValue()).toList());
        }
        if (!e.getFlags().isEmpty()) d.put("flags", e.getFlags().stream().map(Enum::name).toList());
        d.put("ingestedAt", e.getIngestedAt().toString());
        d.put("enrichedAt", e.getEnrichedAt().toString());
        return d;
    }

    private static double percentile(Timer timer, double p) {
        for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
            if (v.percentile() == p) return v.value(TimeUnit.MILLISECONDS);
        }
        return Double.NaN;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        return out;
    }
}
