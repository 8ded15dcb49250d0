package org.compliancepipeline.sink.timescale;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** sink-timescale against the real broker and the real PostgreSQL (plain PostgreSQL layout). */
@RealInfra
class TimescaleSinkIT {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private Infra infra;
    private TestDatabase db;
    private KafkaClients kafka;
    private final List<TimescaleSink> sinks = new ArrayList<>();
    private TimescaleSinkConfig config;

    @BeforeEach
    void setUp(Infra infra) throws Exception {
        this.infra = infra;
        db = new TestDatabase(infra);
        kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
        config = db.config(suffix);
        try (Admin admin = kafka.admin("it")) {
            TopicAdmin.ensureTopics(admin, List.of(topic(config.enrichedTopic(), Topics.ENRICHED), topic(config.controlStatusTopic(), Topics.CONTROL_STATUS),
                    topic(config.scoresTopic(), Topics.SCORES), topic(config.statsTopic(), Topics.STATS_HOURLY), Topics.SINK_TIMESCALE_DLQ),
                    (short) 1, Duration.ofSeconds(30));
        }
    }

    private static <V> Topic<String, V> topic(String name, Topic<String, V> like) {
        return new Topic<>(name, like.keySerde(), like.valueSerde(), 4, Map.of());
    }

    @AfterEach
    void tearDown() throws Exception {
        for (TimescaleSink s : sinks) s.close();
        kafka.close();
        db.close();
    }

    private TimescaleSink startSink(String group) throws Exception {
        SinkConfig sinkConfig = new SinkConfig("sink-timescale", group, config.topics(), Topics.SINK_TIMESCALE_DLQ.name(), 1,
                2000, 8 << 20, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), 2000);
        TimescaleSink sink = TimescaleSink.start(sinkConfig, config, kafka, new SimpleMeterRegistry());
        sinks.add(sink);
        return sink;
    }

    private void produceEnriched(List<EnrichedRecord> records) throws Exception {
        try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("it", topic(config.enrichedTopic(), Topics.ENRICHED))) {
            for (EnrichedRecord r : records) p.send(new ProducerRecord<>(config.enrichedTopic(), r.getRecord().getOrgId(), r));
            p.flush();
        }
    }

    @Test
    void rowsEqualTheRecordsFieldByFieldAndTypeByType() throws Exception {
        List<EnrichedRecord> records = IntStream.range(0, 2_000).mapToObj(Enriched::of).toList();
        startSink("it-" + suffix);
        produceEnriched(records);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM compliance_records") == records.size());

        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM compliance_records")) {
            var md = rs.getMetaData();
            Map<String, String> types = new HashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) types.put(md.getColumnName(i), md.getColumnTypeName(i));
            assertThat(types).containsEntry("observed_at", "timestamptz").containsEntry("tags", "jsonb")
                    .containsEntry("evidence_uris", "_text").containsEntry("status", "compliance_status")
                    .containsEntry("score", "float8").containsEntry("flags", "_text").containsEntry("ingested_at", "timestamptz");

            Map<String, EnrichedRecord> byId = new HashMap<>();
            records.forEach(r -> byId.put(r.getRecord().getRecordId(), r));
            ObjectMapper json = new ObjectMapper();
            int rows = 0;
            while (rs.next()) {
                rows++;
                EnrichedRecord e = byId.get(rs.getString("record_id"));
                ComplianceRecord r = e.getRecord();
                assertThat(rs.getString("org_id")).isEqualTo(r.getOrgId());
                assertThat(rs.getString("framework")).isEqualTo(r.getFramework());
                assertThat(rs.getString("control_id")).isEqualTo(r.getControlId());
                assertThat(rs.getString("objective_id")).isEqualTo(r.getObjectiveId());
                assertThat(rs.getString("status")).isEqualTo(r.getStatus().name());
                assertThat((Double) rs.getObject("score")).isEqualTo(r.getScore());
                assertThat(rs.getObject("observed_at", OffsetDateTime.class).toInstant()).isEqualTo(r.getObservedAt());
                assertThat(rs.getString("source")).isEqualTo(r.getSource());
                assertThat(rs.getString("method")).isEqualTo(r.getMethod().name());
                assertThat(rs.getString("subject")).isEqualTo(r.getSubject());
                assertThat(rs.getString("title")).isEqualTo(r.getTitle());
                assertThat(rs.getString("description")).isEqualTo(r.getDescription());
                assertThat(strings(rs.getArray("evidence_uris"))).containsExactlyElementsOf(r.getEvidenceUris());
                assertThat(json.readValue(rs.getString("tags"), Map.class)).isEqualTo(r.getTags());
                if (e.getControl() == null) {
                    assertThat(rs.getString("control_title")).isNull();
                    assertThat(rs.getObject("weight")).isNull();
                } else {
                    assertThat(rs.getString("control_title")).isEqualTo(e.getControl().getTitle());
                    assertThat(rs.getString("family")).isEqualTo(e.getControl().getFamily());
                    assertThat(rs.getString("family_title")).isEqualTo(e.getControl().getFamilyTitle());
                    assertThat(rs.getString("parent_control_id")).isEqualTo(e.getControl().getParentControlId());
                    assertThat(strings(rs.getArray("baselines"))).containsExactlyElementsOf(e.getControl().getBaselines());
                    assertThat(rs.getDouble("weight")).isEqualTo(e.getControl().getWeight());
                }
                if (e.getOrganization() == null) {
                    assertThat(rs.getString("org_name")).isNull();
                } else {
                    assertThat(rs.getString("org_name")).isEqualTo(e.getOrganization().getName());
                    assertThat(rs.getString("sector")).isEqualTo(e.getOrganization().getSector());
                    assertThat(rs.getString("region")).isEqualTo(e.getOrganization().getRegion());
                }
                assertThat(strings(rs.getArray("flags"))).containsExactlyElementsOf(e.getFlags().stream().map(Enum::name).toList());
                assertThat(rs.getObject("ingested_at", OffsetDateTime.class).toInstant()).isEqualTo(e.getIngestedAt());
                assertThat(rs.getObject("enriched_at", OffsetDateTime.class).toInstant()).isEqualTo(e.getEnrichedAt());
            }
            assertThat(rows).isEqualTo(records.size());
        }
    }

    private static List<String> strings(Array a) throws Exception {
        return Arrays.asList((String[]) a.getArray());
    }

    @Test
    void replayingTheTopicFromTheBeginningChangesNothing() throws Exception {
        List<EnrichedRecord> records = IntStream.range(0, 3_000).mapToObj(Enriched::of).toList();
        startSink("it-first-" + suffix);
        produceEnriched(records);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM compliance_records") == records.size());
        String before = checksum();

        // A new consumer group reads everything again from offset 0, through the replay (staging) path.
        startSink("it-replay-" + suffix);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                db.count("SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE consumer_group = 'it-replay-" + suffix + "'") == records.size());
        assertThat(db.count("SELECT count(*) FROM compliance_records")).isEqualTo(records.size());
        assertThat(checksum()).isEqualTo(before);
    }

    private String checksum() throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT md5(string_agg(t::text, '|' ORDER BY record_id)) FROM "
                     + "(SELECT record_id, org_id, status, score, observed_at, title, description, tags, evidence_uris, flags FROM compliance_records) t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aPoisonRecordLandsInTheDeadLetterTopicAndItsNeighboursInTheTable() throws Exception {
        List<EnrichedRecord> records = new ArrayList<>(IntStream.range(0, 500).mapToObj(Enriched::of).toList());
        EnrichedRecord poison = Enriched.of(10_000);
        poison.getRecord().setScore(150.0);          // Avro allows it; the table's CHECK does not
        records.add(250, poison);
        startSink("it-" + suffix);
        produceEnriched(records);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM compliance_records") == 500);
        assertThat(db.count("SELECT count(*) FROM compliance_records WHERE record_id = 'rec-10000'")).isZero();

        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var c = kafka.consumer("dlq-" + suffix, "dlq", Topics.SINK_TIMESCALE_DLQ, Map.of())) {
            c.subscribe(List.of(Topics.SINK_TIMESCALE_DLQ.name()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (dead.isEmpty() && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    if (config.enrichedTopic().equals(header(r, DeadLetterHeaders.SOURCE_TOPIC))) dead.add(r);
                });
            }
        }
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(Topics.ENRICHED.valueSerde().deserializer().deserialize("t", r.value()).getRecord().getRecordId()).isEqualTo("rec-10000");
            assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).isEqualTo("org.postgresql.util.PSQLException");
            assertThat(header(r, DeadLetterHeaders.REASON)).contains("compliance_records_score_check");
            assertThat(header(r, DeadLetterHeaders.SOURCE_OFFSET)).isNotNull();
        });
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void controlStatusKeepsTheNewestObservationScoresAndStatsAreStored() throws Exception {
        startSink("it-" + suffix);
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        ControlStatus newer = ControlStatus.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setControlId("ac-2")
                .setStatus(ComplianceStatus.SATISFIED).setObservedAt(t.plusSeconds(60)).setRecordId("r-2").setFamily("ac")
                .setWeight(2.0).setUpdatedAt(t.plusSeconds(61)).build();
        ControlStatus older = ControlStatus.newBuilder(newer).setStatus(ComplianceStatus.NOT_SATISFIED).setObservedAt(t).setRecordId("r-1").build();
        try (var p = kafka.producer("it-status", topic(config.controlStatusTopic(), Topics.CONTROL_STATUS))) {
            p.send(new ProducerRecord<>(config.controlStatusTopic(), Keys.controlStatus("acme", "nist-800-53-r5", "ac-2"), newer)).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM control_status") == 1);
        try (var p = kafka.producer("it-status", topic(config.controlStatusTopic(), Topics.CONTROL_STATUS))) {
            // Late: an older observation arrives after the newer one.
            p.send(new ProducerRecord<>(config.controlStatusTopic(), Keys.controlStatus("acme", "nist-800-53-r5", "ac-2"), older)).get();
            // The same instant, a more severe status with a smaller record id: it wins, as in every store.
            p.send(new ProducerRecord<>(config.controlStatusTopic(), Keys.controlStatus("acme", "nist-800-53-r5", "ac-2"),
                    ControlStatus.newBuilder(newer).setStatus(ComplianceStatus.PARTIALLY_SATISFIED).setRecordId("r-10").build())).get();
            // The same instant and status, a smaller record id byte by byte ("r-10" > "r-1"): nothing changes.
            p.send(new ProducerRecord<>(config.controlStatusTopic(), Keys.controlStatus("acme", "nist-800-53-r5", "ac-2"),
                    ControlStatus.newBuilder(newer).setStatus(ComplianceStatus.PARTIALLY_SATISFIED).setRecordId("r-1").build())).get();
        }
        ComplianceScore score = ComplianceScore.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setScore(75)
                .setSatisfiedWeight(3).setApplicableWeight(4).setControlsSatisfied(3).setControlsNotSatisfied(1).setUpdatedAt(t).build();
        ComplianceStats stats = ComplianceStats.newBuilder().setOrgId("acme").setFramework("nist-800-53-r5").setStatus(ComplianceStatus.SATISFIED)
                .setFamily("ac").setWindowStart(t).setWindowEnd(t.plusSeconds(3600)).setCount(5).build();
        try (var ps = kafka.producer("it-score", topic(config.scoresTopic(), Topics.SCORES));
             var pst = kafka.producer("it-stats", topic(config.statsTopic(), Topics.STATS_HOURLY))) {
            ps.send(new ProducerRecord<>(config.scoresTopic(), Keys.score("acme", "nist-800-53-r5"), score)).get();
            pst.send(new ProducerRecord<>(config.statsTopic(), "k", stats)).get();
            pst.send(new ProducerRecord<>(config.statsTopic(), "k", ComplianceStats.newBuilder(stats).setCount(9).build())).get();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT count(*) FROM compliance_stats_hourly WHERE count = 9") == 1
                && db.count("SELECT count(*) FROM compliance_scores") == 1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Connection c = db.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT status, record_id FROM control_status WHERE control_id = 'ac-2'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1) + " " + rs.getString(2)).isEqualTo("PARTIALLY_SATISFIED r-10");
            }
        });
        assertThat(db.count("SELECT count(*) FROM compliance_stats_hourly")).isEqualTo(1);
    }

    @Test
    void dailyRollupsAreExposedUnderTheSameViewNames() throws Exception {
        List<EnrichedRecord> records = IntStream.range(0, 1_000).mapToObj(Enriched::of).toList();
        startSink("it-" + suffix);
        produceEnriched(records);
        await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM compliance_records") == records.size());
        // The rollups refresh every second in this test's configuration.
        await().atMost(Duration.ofSeconds(30)).until(() -> db.count("SELECT coalesce(sum(records), 0) FROM daily_pass_rate_org") == records.size());
        long satisfied = records.stream().filter(r -> r.getRecord().getStatus() == ComplianceStatus.SATISFIED).count();
        assertThat(db.count("SELECT sum(satisfied) FROM daily_pass_rate_org")).isEqualTo(satisfied);
        assertThat(db.count("SELECT sum(records) FROM daily_pass_rate_family")).isEqualTo(records.size());
        assertThat(db.count("SELECT count(*) FROM daily_pass_rate_family WHERE family = 'unknown'")).isPositive();
    }
}
