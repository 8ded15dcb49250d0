package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.EmitStrategy;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
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
 *                                  (GlobalKTable)   (GlobalKTable)       ├─ latest status per control ──> control-status
 *                                                                        └─ hourly counts (observedAt) ─> stats-hourly
 * control-status (table) ─ regroup by org/framework ─ aggregate (+new −old) ──────────────────────────> scores
 * </pre>
 *
 * Stores (RocksDB, each with a changelog): {@value Deduplication#STORE} (window store),
 * {@value ControlStatusTracking#STORE}, {@value #CONTROL_STATUS_TABLE} (changelog: the
 * control-status topic itself), {@value #SCORE_STORE}, {@value #STATS_STORE}; global:
 * {@value #CONTROLS_STORE}, {@value #ORGS_STORE}. Repartition topics: {@value #SCORE_REPARTITION},
 * {@value #STATS_REPARTITION}.
 */
public final class ComplianceTopology {
    private ComplianceTopology() { }

    public static final String CONTROLS_STORE = "controls-catalog";
    public static final String ORGS_STORE = "organizations";
    public static final String CONTROL_STATUS_TABLE = "control-status-table";
    public static final String SCORE_STORE = "score-totals";
    public static final String STATS_STORE = "hourly-stats-counts";
    public static final String SCORE_REPARTITION = "score-by-org-framework";
    public static final String STATS_REPARTITION = "hourly-stats-by-group";

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
        KStream<String, ComplianceRecord> unique = validated.get("validation-accepted")
                .mapValues(v -> ((Validated.Accepted) v).record(), Named.as("accepted-record"))
                .processValues(() -> new Deduplication(config.dedupRetention(), metrics), Named.as("deduplicate"),
                        Deduplication.STORE);

        // 3. Enrich through the global tables; 4. publish.
        KStream<String, EnrichedRecord> enriched = unique
                .leftJoin(controls, (orgId, r) -> Keys.control(r.getFramework(), r.getControlId()), Enrichment.Lookup::of,
                        Named.as("join-controls"))
                .leftJoin(orgs, (orgId, lookup) -> lookup.record().getOrgId(), Enrichment.Lookup::withOrganization,
                        Named.as("join-organizations"))
                .processValues(() -> new Enrichment(metrics), Named.as("enrich"));
        enriched.to(topics.enriched().name(), produced(topics.enriched(), "enriched"));

        // 5. Latest status per control.
        enriched.process(() -> new ControlStatusTracking(metrics), Named.as("track-control-status"), ControlStatusTracking.STORE)
                .to(topics.controlStatus().name(), produced(topics.controlStatus(), "control-status"));

        // 6. Score per org and framework: each status change subtracts the old contribution and adds the new one.
        builder.table(topics.controlStatus().name(),
                        Consumed.with(topics.controlStatus().keySerde(), topics.controlStatus().valueSerde()).withName("control-status-changes"),
                        Materialized.<String, ControlStatus, KeyValueStore<Bytes, byte[]>>as(CONTROL_STATUS_TABLE)
                                .withKeySerde(topics.controlStatus().keySerde())
                                .withValueSerde(topics.controlStatus().valueSerde()))
                .groupBy((key, s) -> KeyValue.pair(Keys.score(s.getOrgId(), s.getFramework()), ScoreTotals.Contribution.of(s)),
                        Grouped.with(SCORE_REPARTITION, Serdes.String(), ScoreTotals.CONTRIBUTION_SERDE))
                .aggregate(() -> ScoreTotals.EMPTY, (key, c, totals) -> totals.plus(c), (key, c, totals) -> totals.minus(c),
                        Named.as("score-totals"),
                        Materialized.<String, ScoreTotals, KeyValueStore<Bytes, byte[]>>as(SCORE_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(ScoreTotals.SERDE))
                .toStream(Named.as("score-changes"))
                .processValues(ScoreEmission::new, Named.as("score"))
                .to(topics.scores().name(), produced(topics.scores(), "scores"));

        // 7. Hourly statistics on observedAt, with a grace period for late records.
        TimeWindows hourly = TimeWindows.ofSizeAndGrace(HourlyStats.WINDOW, config.statsGrace());
        enriched.process(HourlyStats.Keying::new, Named.as("stats-group-and-time"))
                .groupByKey(Grouped.with(STATS_REPARTITION, Serdes.String(), Serdes.Integer()))
                .windowedBy(hourly)
                .emitStrategy(config.statsEmit() == StreamProcessorConfig.StatsEmit.FINAL
                        ? EmitStrategy.onWindowClose() : EmitStrategy.onWindowUpdate())
                .count(Named.as("stats-count"), Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(STATS_STORE)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()))
                .toStream(Named.as("stats-changes"))
                .map(HourlyStats::toStats, Named.as("stats"))
                .to(topics.statsHourly().name(), produced(topics.statsHourly(), "stats-hourly"));

        return builder.build(streamsProperties);
    }

    private static <V> GlobalKTable<String, V> globalTable(StreamsBuilder builder, Topic<String, V> topic, String store) {
        return builder.globalTable(topic.name(), Consumed.with(topic.keySerde(), topic.valueSerde()).withName(store + "-source"),
                Materialized.<String, V, KeyValueStore<Bytes, byte[]>>as(store)
                        .withKeySerde(topic.keySerde()).withValueSerde(topic.valueSerde()));
    }

    private static <K, V> Produced<K, V> produced(Topic<K, V> topic, String name) {
        return Produced.with(topic.keySerde(), topic.valueSerde()).withName(name);
    }
}
