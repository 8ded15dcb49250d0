package org.compliancepipeline.sink.timescale;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.QueryAudit;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The query API's audit records land in query_audit once each, field by field. */
@RealInfra
class QueryAuditSinkIT {

    @Test
    void auditRecordsAreStoredOnceEach(Infra infra) throws Exception {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        try (TestDatabase db = new TestDatabase(infra);
             KafkaClients kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry())) {
            TimescaleSinkConfig base = db.config(suffix);
            TimescaleSinkConfig config = new TimescaleSinkConfig(base.jdbcUrl(), base.user(), base.password(), base.poolSize(),
                    base.timescaleMode(), base.chunkInterval(), base.compressAfter(), base.retention(), base.rollupRefresh(),
                    base.enrichedTopic(), base.controlStatusTopic(), base.scoresTopic(), base.statsTopic(), "it.query-audit." + suffix);
            Topic<String, QueryAudit> topic = new Topic<>(config.auditTopic(), Topics.QUERY_AUDIT.keySerde(), Topics.QUERY_AUDIT.valueSerde(), 2, Map.of());
            try (Admin admin = kafka.admin("it")) {
                TopicAdmin.ensureTopics(admin, List.of(topic, Topics.SINK_TIMESCALE_DLQ), (short) 1, Duration.ofSeconds(30));
            }
            Instant at = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            QueryAudit search = QueryAudit.newBuilder().setQueryId("q-1").setKeyId("acme-analyst").setRoute("GET /v1/search")
                    .setParameters(Map.of("q", "fire \"wall\"", "size", "5")).setOrgScope(List.of("acme")).setStatus(200)
                    .setResultCount(5).setSource("elasticsearch").setDurationMicros(1234).setAt(at).build();
            QueryAudit refused = QueryAudit.newBuilder().setQueryId("q-2").setKeyId(null).setRoute("GET /v1/leaderboard/{fw}")
                    .setParameters(Map.of("fw", "nist-800-53-r5")).setOrgScope(List.of()).setStatus(401).setResultCount(0)
                    .setSource(null).setDurationMicros(80).setAt(at).build();
            try (KafkaProducer<String, QueryAudit> p = kafka.producer("it", topic)) {
                for (int i = 0; i < 2; i++) { // sent twice: stored once
                    p.send(new ProducerRecord<>(topic.name(), "acme-analyst", search)).get();
                    p.send(new ProducerRecord<>(topic.name(), "anonymous", refused)).get();
                }
            }
            SinkConfig sinkConfig = new SinkConfig("sink-timescale", "it-audit-" + suffix, config.topics(), Topics.SINK_TIMESCALE_DLQ.name(), 1,
                    2000, 8 << 20, Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), 2000);
            try (TimescaleSink sink = TimescaleSink.start(sinkConfig, config, kafka, new SimpleMeterRegistry())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> db.count("SELECT count(*) FROM query_audit") == 2
                        && db.count("SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE topic = '" + topic.name() + "'") == 4);
            }
            try (var c = db.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT key_id, route, parameters->>'q', parameters->>'size', org_scope, status, result_count, "
                         + "source, duration_micros, at FROM query_audit WHERE query_id = 'q-1'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("acme-analyst");
                assertThat(rs.getString(2)).isEqualTo("GET /v1/search");
                assertThat(rs.getString(3)).isEqualTo("fire \"wall\"");
                assertThat(rs.getString(4)).isEqualTo("5");
                assertThat((String[]) rs.getArray(5).getArray()).containsExactly("acme");
                assertThat(rs.getInt(6)).isEqualTo(200);
                assertThat(rs.getLong(7)).isEqualTo(5);
                assertThat(rs.getString(8)).isEqualTo("elasticsearch");
                assertThat(rs.getLong(9)).isEqualTo(1234);
                assertThat(rs.getTimestamp(10).toInstant()).isEqualTo(at);
            }
            assertThat(db.count("SELECT count(*) FROM query_audit WHERE query_id = 'q-2' AND key_id IS NULL AND status = 401 AND source IS NULL")).isEqualTo(1);
        }
    }
}
