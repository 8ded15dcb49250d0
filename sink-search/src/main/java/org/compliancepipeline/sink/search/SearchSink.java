package org.compliancepipeline.sink.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.schemas.AvroSerde;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.RecordDecoder;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.sink.runtime.SinkRuntime;
import org.compliancepipeline.sink.search.SearchIndices.IndexSetupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Wires sink-search: the connection, the index layout (templates set up at start, or at the first
 * write when Elasticsearch is not there yet), the sink loops with one {@link SearchWriter} each
 * sharing one bound on bulk requests in flight, and the cluster probe behind {@code /ready}.
 */
public final class SearchSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SearchSink.class);
    public static final String NAME = "sink-search";

    private final ElasticsearchConnection connection;
    private final SearchIndices indices;
    private final SinkRuntime<SpecificRecord> runtime;
    private final ClusterProbe probe;

    private SearchSink(ElasticsearchConnection connection, SearchIndices indices, SinkRuntime<SpecificRecord> runtime, ClusterProbe probe) {
        this.connection = connection;
        this.indices = indices;
        this.runtime = runtime;
        this.probe = probe;
    }

    public static SearchSink start(SinkConfig sinkConfig, SearchSinkConfig config, KafkaClients kafka, MeterRegistry registry) {
        ObjectMapper json = new ObjectMapper();
        JsonFactory factory = json.getFactory();
        ElasticsearchConnection connection = ElasticsearchConnection.open(config, json);
        try {
            SearchMetrics metrics = new SearchMetrics(registry);
            SearchIndices indices = new SearchIndices(connection.lowLevel(), config, json);
            try {
                indices.ensureReady();
                log.info("index templates {} and {} ready on {}", indices.recordsTemplate(), indices.statusTemplate(), config.urls());
            } catch (IndexSetupException e) {
                // Not fatal: the writers set up the indices before their first write, retrying until the cluster answers.
                log.warn("index set-up deferred to the first write: {}", e.getMessage());
            }
            Map<String, AvroSerde<? extends SpecificRecord>> serdes = Map.of(
                    config.enrichedTopic(), AvroSerdes.ENRICHED_RECORD,
                    config.controlStatusTopic(), AvroSerdes.CONTROL_STATUS);
            RecordDecoder<SpecificRecord> decoder = (topic, headers, bytes) -> serdes.get(topic).deserialize(topic, bytes);
            Semaphore inFlight = new Semaphore(config.maxInFlight());
            BulkIndexer bulk = new BulkIndexer(connection.lowLevel(), inFlight, config.bulkMaxActions(), config.bulkMaxBytes(), metrics, factory);
            ClusterProbe probe = new ClusterProbe(connection.lowLevel(), json, metrics, Duration.ofSeconds(2));
            SinkRuntime<SpecificRecord> runtime = SinkRuntime.start(sinkConfig, kafka, registry, decoder, Topics.SINK_SEARCH_DLQ,
                    () -> new SearchWriter(indices, bulk, metrics, config.controlStatusTopic(), factory));
            log.info("{} started: {}", NAME, config);
            return new SearchSink(connection, indices, runtime, probe);
        } catch (RuntimeException e) {
            try {
                connection.close();
            } catch (Exception ignored) {
                // already failing
            }
            throw e;
        }
    }

    /** Ready when the writes succeed (the runtime's view) and the cluster answers and is not red. */
    public HealthCheck health() {
        HealthCheck writes = runtime.health();
        return () -> {
            HealthCheck.Result w = writes.check();
            if (!w.ready()) return w;
            HealthCheck.Result es = probe.state();
            if (!es.ready()) return es;
            return HealthCheck.Result.ready(w.detail() + "; " + es.detail());
        };
    }

    public SearchIndices indices() {
        return indices;
    }

    public ElasticsearchConnection connection() {
        return connection;
    }

    @Override
    public void close() throws Exception {
        probe.close();
        runtime.close();
        connection.close();
    }
}
