package org.compliancepipeline.sink.timescale;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Crashes and outages: the sink process killed with -9, PostgreSQL stopped for 30 s. */
@RealInfra
class TimescaleSinkFaultsIT {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private KafkaClients kafka;

    @BeforeEach
    void setUp(Infra infra) {
        kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private void createTopics(TimescaleSinkConfig config) throws Exception {
        try (Admin admin = kafka.admin("it")) {
            TopicAdmin.ensureTopics(admin, List.of(
                    new Topic<>(config.enrichedTopic(), Topics.ENRICHED.keySerde(), Topics.ENRICHED.valueSerde(), 6, Map.of()),
                    new Topic<>(config.controlStatusTopic(), Topics.CONTROL_STATUS.keySerde(), Topics.CONTROL_STATUS.valueSerde(), 1, Map.of()),
                    new Topic<>(config.scoresTopic(), Topics.SCORES.keySerde(), Topics.SCORES.valueSerde(), 1, Map.of()),
                    new Topic<>(config.statsTopic(), Topics.STATS_HOURLY.keySerde(), Topics.STATS_HOURLY.valueSerde(), 1, Map.of()),
                    Topics.SINK_TIMESCALE_DLQ), (short) 1, Duration.ofSeconds(30));
        }
    }

    private void produce(TimescaleSinkConfig config, int from, int to) throws Exception {
        try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("it-" + suffix, Topics.ENRICHED)) {
            SendErrors errors = new SendErrors();
            for (int i = from; i < to; i++) {
                EnrichedRecord r = Enriched.of(i);
                p.send(new ProducerRecord<>(config.enrichedTopic(), r.getRecord().getOrgId(), r), errors);
            }
            p.flush();
            errors.throwIfAny();
        }
    }

    @Test
    void killMinus9InTheMiddleOf200000RecordsThenRestartGivesEveryRowExactlyOnce(Infra infra) throws Exception {
        try (TestDatabase db = new TestDatabase(infra)) {
            TimescaleSinkConfig config = db.config(suffix);
            createTopics(config);
            int total = 200_000;
            produce(config, 0, total);

            Process first = startSinkProcess(infra, db, config, "first");
            try {
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                        .until(() -> safeCount(db) >= 40_000);
            } finally {
                first.destroyForcibly();   // SIGKILL: no shutdown hook, no final commit
                first.waitFor();
            }
            long atCrash = safeCount(db);
            assertThat(atCrash).isBetween(40_000L, (long) total);

            Process second = startSinkProcess(infra, db, config, "second");
            try {
                await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(500)).until(() -> safeCount(db) >= total);
                Thread.sleep(2_000); // anything beyond the total would be a duplicate arriving late
                assertThat(db.count("SELECT count(*) FROM compliance_records")).isEqualTo(total);
                assertThat(db.count("SELECT count(DISTINCT record_id) FROM compliance_records")).isEqualTo(total);
                assertThat(db.count("SELECT sum(next_offset) FROM sink_offsets")).as("stored positions cover every record").isEqualTo(total);
            } finally {
                second.destroy();          // SIGTERM: graceful
                second.waitFor();
            }
        }
    }

    private static long safeCount(TestDatabase db) {
        try {
            return db.count("SELECT count(*) FROM compliance_records");
        } catch (Exception e) {
            return -1; // not migrated yet
        }
    }

    private Process startSinkProcess(Infra infra, TestDatabase db, TimescaleSinkConfig config, String name) throws Exception {
        String classpath = "target/classes" + File.pathSeparator + Files.readString(Path.of("target/classpath.txt")).trim();
        Path log = Path.of("target", "sink-process-" + suffix + "-" + name + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", classpath, SinkTimescaleMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.put("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers());
        env.put("POSTGRES_URL", db.url);
        env.put("POSTGRES_USER", infra.postgresUser());
        env.put("POSTGRES_PASSWORD", infra.postgresPassword());
        env.put("TIMESCALE_MODE", "off");
        env.put("TOPIC_ENRICHED", config.enrichedTopic());
        env.put("TOPIC_CONTROL_STATUS", config.controlStatusTopic());
        env.put("TOPIC_SCORES", config.scoresTopic());
        env.put("TOPIC_STATS_HOURLY", config.statsTopic());
        env.put("SINK_GROUP_ID", "it-kill-" + suffix);
        env.put("SINK_BATCH_RECORDS", "2000");
        env.put("OPS_PORT", "0");
        return pb.start();
    }

    @Test
    void postgresStoppedFor30SecondsThenTheSinkCatchesUpWithoutLoss() throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.POSTGRES)) {
            Infra pg = own.infra();
            TimescaleSinkConfig config = new TimescaleSinkConfig(pg.postgresUrl(), pg.postgresUser(),
                    new org.compliancepipeline.platform.config.Secret(pg.postgresPassword()), 4, "off", Duration.ofDays(7),
                    Duration.ofDays(30), Duration.ZERO, Duration.ofSeconds(5),
                    "it.enriched." + suffix, "it.control-status." + suffix, "it.scores." + suffix, "it.stats." + suffix);
            createTopics(config);
            SinkConfig sinkConfig = new SinkConfig("sink-timescale", "it-outage-" + suffix, config.topics(), Topics.SINK_TIMESCALE_DLQ.name(),
                    1, 2000, 8 << 20, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(5), 2000);
            try (TimescaleSink sink = TimescaleSink.start(sinkConfig, config, kafka, new SimpleMeterRegistry())) {
                produce(config, 0, 20_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> count(sink) == 20_000);
                assertThat(sink.health().check().ready()).isTrue();

                own.stop(Component.POSTGRES);
                long stoppedAt = System.currentTimeMillis();
                produce(config, 20_000, 60_000);
                await().atMost(Duration.ofSeconds(30)).until(() -> !sink.health().check().ready());
                assertThat(sink.health().check().detail()).contains("writes failing");
                Thread.sleep(Math.max(0, 30_000 - (System.currentTimeMillis() - stoppedAt)));

                own.start(Component.POSTGRES);
                await().atMost(Duration.ofSeconds(90)).until(() -> count(sink) == 60_000);
                await().atMost(Duration.ofSeconds(30)).until(() -> sink.health().check().ready());
                Thread.sleep(1_000);
                assertThat(count(sink)).isEqualTo(60_000);
            }
        }
    }

    private static long count(TimescaleSink sink) {
        try (var c = sink.dataSource().getConnection(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM compliance_records")) {
            rs.next();
            return rs.getLong(1);
        } catch (Exception e) {
            return -1;
        }
    }
}
