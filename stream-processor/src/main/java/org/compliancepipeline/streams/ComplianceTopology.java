package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;

import java.util.Map;
import java.util.Properties;

/**
 * The stream processor's topology, built in one place; {@link StreamProcessorMain} and the tests
 * call this same function.
 *
 * <pre>
 * records ─validate─┬─ invalid ─────────────────────────────────────────────> dead letters
 *                   └─ deduplicate ─ join controls ─ join orgs ─ enrich ─┬──> enriched
 *                                  (GlobalKTable)   (GlobalKTable)       ├─ latest status per control ─┬──> control-status
 *                                                                        │                             └─ score (−old +new) ──> scores
 *                                                                        └─ hourly counts (observedAt) ────────────────────────> stats-hourly
 * </pre>
 *
 * Records are keyed by orgId, and everything after validation is per org, so the whole topology is
 * one sub-topology working on the org's partition: no repartition topic, no topic read back.
 * Stores (RocksDB, each with a changelog): {@value Deduplication#STORE} (window store),
 * {@value ControlStatusTracking#STORE}, {@value ScoreTracking#STORE}, {@value HourlyStats#STORE};
 * global: {@value #CONTROLS_STORE}, {@value #ORGS_STORE}. Scores and hourly stats are published
 * once per commit interval per changed key (see {@link ScoreTracking} and {@link HourlyStats}).
 */
public final class ComplianceTopology {
    private ComplianceTopology() { }

    public static final String CONTROLS_STORE = "controls-catalog";
    public static final String ORGS_STORE = "organizations";
    /** Decoded reference values kept per global table (a catalog has about 1,200 controls with enhancements). */
    private static final int REFERENCE_MEMO_ENTRIES = 20_000;

    /**
     * @param streamsProperties the application's Kafka Streams settings ({@link StreamProcessorConfig#streamsProperties}):
     *                          topology optimisation and naming checks apply at build time
     */
    public static Topology build(StreamProcessorConfig config, PipelineMetrics metrics, Properties streamsProperties) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(streamsProperties)));
        PipelineTopics topics = config.topics();

        GlobalKTable<String, ControlDefinition> controls = globalTable(builder, topics.controls(), CONTROLS_STORE);
        GlobalKTable<String, Organization> orgs = globalTable(builder, topics.orgs(), ORGS_STORE);
        builder.addStateStore(Deduplication.store(config.dedupRetention()));
        builder.addStateStore(ControlStatusTracking.store());
        builder.addStateStore(ScoreTracking.store());
        builder.addStateStore(HourlyStats.store());

        // 1. Validate. Undecodable records never get here: the deserialization handler dead-letters them.
        Map<String, KStream<String, Validated>> validated = builder
                .stream(topics.records().name(), Consumed.with(Serdes.ByteArray(), ReceivedRecord.SERDE).withName("records"))
                .process(() -> new Validation(config, metrics), Named.as("validate"))
                .split(Named.as("validation-"))
                .branch((key, v) -> v instanceof Validated.Accepted, Branched.as("accepted"))
                .defaultBranch(Branched.as("rejected"));
        validated.get("validation-rejected")
                .map((key, v) -> KeyValue.pair(((Validated.Rejected) v).key(), ((Validated.Rejected) v).value()),
                        Named.as("original-bytes"))
                .to(topics.deadLetters().name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letters"));

        // 2. Deduplicate by recordId within the org's partition.
        KStream<String, ReceivedRecord> unique = validated.get("validation-accepted")
                .mapValues(v -> ((Validated.Accepted) v).received(), Named.as("accepted-record"))
                .processValues(() -> new Deduplication(config.dedupRetention(), metrics), Named.as("deduplicate"),
                        Deduplication.STORE);

        // 3. Enrich through the global tables; 4. publish.
        KStream<String, Enriched> enriched = unique
                .leftJoin(controls, (orgId, r) -> Keys.control(r.record().getFramework(), r.record().getControlId()), Enrichment.Lookup::of,
                        Named.as("join-controls"))
                .leftJoin(orgs, (orgId, lookup) -> lookup.record().getOrgId(), Enrichment.Lookup::withOrganization,
                        Named.as("join-organizations"))
                .processValues(() -> new Enrichment(metrics), Named.as("enrich"));
        enriched.to(topics.enriched().name(), Produced.with(topics.enriched().keySerde(), EnrichedSerializer.SERDE).withName("enriched"));

        // 5. Latest status per control; 6. score per org and framework from each status change;
        // 7. hourly statistics. All on the org's own partition: no repartitioning, no re-reading.
        KStream<String, StatusChange> changes = enriched.process(() -> new ControlStatusTracking(metrics),
                Named.as("track-control-status"), ControlStatusTracking.STORE);
        changes.mapValues(StatusChange::status, Named.as("control-status-value"))
                .to(topics.controlStatus().name(), produced(topics.controlStatus(), "control-status"));
        changes.process(() -> new ScoreTracking(config.commitInterval()), Named.as("score"), ScoreTracking.STORE)
                .to(topics.scores().name(), produced(topics.scores(), "scores"));
        enriched.process(() -> new HourlyStats(config.statsGrace(), config.statsEmit(), config.commitInterval(), metrics),
                        Named.as("hourly-stats"), HourlyStats.STORE)
                .to(topics.statsHourly().name(), produced(topics.statsHourly(), "stats-hourly"));

        return builder.build(streamsProperties);
    }

    private static <V> GlobalKTable<String, V> globalTable(StreamsBuilder builder, Topic<String, V> topic, String store) {
        // The store reads with the Consumed serdes (Streams ignores Materialized's for a global table).
        Serde<V> values = MemoizingSerde.of(topic.valueSerde(), REFERENCE_MEMO_ENTRIES);
        return builder.globalTable(topic.name(), Consumed.with(topic.keySerde(), values).withName(store + "-source"),
                Materialized.<String, V, KeyValueStore<Bytes, byte[]>>as(store).withKeySerde(topic.keySerde()).withValueSerde(values));
    }

    private static <K, V> Produced<K, V> produced(Topic<K, V> topic, String name) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName(name);
    }
}
