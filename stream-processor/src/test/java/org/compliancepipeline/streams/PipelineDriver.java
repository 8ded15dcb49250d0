package org.compliancepipeline.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The real topology ({@link ComplianceTopology#build}) in a {@link TopologyTestDriver}, with the
 * catalogue's topics and serdes, a fixed wall clock and a small reference catalog:
 * controls ac-1, ac-2, ac-3, ac-4 (weight 1.0) and ac-2.1 (enhancement, weight 0.5) of
 * {@code nist-800-53-r5}; organisations {@code acme} (adopts nist-800-53-r5) and
 * {@code riyadh-bank} (adopts sama-csf only).
 */
final class PipelineDriver implements AutoCloseable {
    static final String NIST = "nist-800-53-r5";
    /** The wall clock when the driver starts. */
    static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    /** How far the wall clock moves after each record sent: the default commit (and emission) interval. */
    static final Duration TICK = Duration.ofMillis(100);

    final StreamProcessorConfig config;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final TopologyTestDriver driver;
    final TestInputTopic<String, ComplianceRecord> records;
    final TestInputTopic<byte[], byte[]> rawRecords;
    final TestInputTopic<String, ControlDefinition> controls;
    final TestInputTopic<String, Organization> orgs;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    final TestOutputTopic<String, EnrichedRecord> enriched;
    final TestOutputTopic<String, ControlStatus> controlStatus;
    final TestOutputTopic<String, ComplianceScore> scores;
    final TestOutputTopic<String, ComplianceStats> stats;

    PipelineDriver(Path stateDir) {
        this(stateDir, Map.of());
    }

    /** @param env environment variables of the configuration, e.g. {@code DEDUP_RETENTION=1h} */
    PipelineDriver(Path stateDir, Map<String, String> env) {
        Map<String, String> vars = new HashMap<>(env);
        vars.put("STATE_DIR", stateDir.toString());
        config = StreamProcessorConfig.fromEnv(new Env(vars));
        PipelineMetrics metrics = new PipelineMetrics(registry);
        Properties props = config.streamsProperties(KafkaConfig.local("driver:9092"), metrics);
        driver = new TopologyTestDriver(ComplianceTopology.build(config, metrics, props), props, NOW);
        PipelineTopics t = config.topics();
        records = input(t.records());
        rawRecords = driver.createInputTopic(t.records().name(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        controls = input(t.controls());
        orgs = input(t.orgs());
        deadLetters = output(t.deadLetters());
        enriched = output(t.enriched());
        controlStatus = output(t.controlStatus());
        scores = output(t.scores());
        stats = output(t.statsHourly());

        control("ac-1", "Policy and Procedures", null, 1.0);
        control("ac-2", "Account Management", null, 1.0);
        control("ac-2.1", "Automated System Account Management", "ac-2", 0.5);
        control("ac-3", "Access Enforcement", null, 1.0);
        control("ac-4", "Information Flow Enforcement", null, 1.0);
        org("acme", "Acme Corp", "technology", "us-east", List.of(NIST));
        org("riyadh-bank", "Riyadh Bank", "banking", "sa-riyadh", List.of("sama-csf"));
    }

    void control(String controlId, String title, String parent, double weight) {
        controls.pipeInput(Keys.control(NIST, controlId), ControlDefinition.newBuilder()
                .setFramework(NIST).setControlId(controlId).setTitle(title).setFamily("ac").setFamilyTitle("Access Control")
                .setParentControlId(parent).setStatement("The organization ...").setObjectives(List.of(controlId + "_obj"))
                .setBaselines(List.of("MODERATE")).setWeight(weight).build(), NOW);
    }

    void org(String orgId, String name, String sector, String region, List<String> frameworks) {
        orgs.pipeInput(orgId, Organization.newBuilder().setOrgId(orgId).setName(name).setSector(sector).setRegion(region)
                .setFrameworks(frameworks).build(), NOW);
    }

    /** A valid record: {@code acme}, NIST, observed a minute before {@link #NOW}. */
    static ComplianceRecord.Builder record(String recordId) {
        return ComplianceRecord.newBuilder()
                .setRecordId(recordId).setOrgId("acme").setFramework(NIST).setControlId("ac-2")
                .setStatus(ComplianceStatus.SATISFIED).setObservedAt(NOW.minusSeconds(60))
                .setSource("scanner-7").setMethod(AssessmentMethod.AUTOMATED)
                .setTitle("Accounts reviewed").setDescription("مراجعة الحسابات: all accounts reviewed");
    }

    static ComplianceRecord record(String recordId, String orgId, String controlId, ComplianceStatus status, Instant observedAt) {
        return record(recordId).setOrgId(orgId).setControlId(controlId).setStatus(status).setObservedAt(observedAt).build();
    }

    /**
     * Sends a record keyed by its orgId, as producers must, with the Kafka timestamp {@code at}, then
     * moves the wall clock on by one commit interval ({@link #TICK}), as a running application's clock
     * moves between commits: scores and hourly stats changed by the record are published.
     */
    void send(ComplianceRecord record, Instant at) {
        records.pipeInput(record.getOrgId(), record, at);
        driver.advanceWallClockTime(TICK);
    }

    void send(ComplianceRecord record) {
        send(record, NOW);
    }

    void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
    }

    /** The latest value per key of an output topic (what a compacted topic ends with). */
    static <V> Map<String, V> latestByKey(TestOutputTopic<String, V> topic) {
        Map<String, V> latest = new LinkedHashMap<>();
        for (TestRecord<String, V> r : topic.readRecordsToList()) latest.put(r.key(), r.value());
        return latest;
    }

    double counter(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private <K, V> TestInputTopic<K, V> input(Topic<K, V> topic) {
        return driver.createInputTopic(topic.name(), topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    private <K, V> TestOutputTopic<K, V> output(Topic<K, V> topic) {
        return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
    }

    @Override
    public void close() {
        driver.close();
    }
}
