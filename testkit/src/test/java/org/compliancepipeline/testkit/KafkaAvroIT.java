package org.compliancepipeline.testkit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Avro single-object records through a real broker with the project's client defaults. */
@RealInfra
class KafkaAvroIT {

    @Test
    void complianceRecordsRoundTripThroughARealBroker(Infra infra) throws Exception {
        Topic<String, ComplianceRecord> topic = new Topic<>("it.records." + UUID.randomUUID(),
                Topics.RECORDS.keySerde(), Topics.RECORDS.valueSerde(), 3, Map.of());
        var registry = new SimpleMeterRegistry();
        try (KafkaClients clients = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), registry);
             Admin admin = clients.admin("it-admin")) {
            assertThat(TopicAdmin.ensureTopics(admin, List.of(topic), (short) 1, Duration.ofSeconds(30)))
                    .containsExactly(topic.name());
            assertThat(TopicAdmin.ensureTopics(admin, List.of(topic), (short) 1, Duration.ofSeconds(30)))
                    .as("creating again is a no-op").isEmpty();

            List<ComplianceRecord> sent = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                sent.add(ComplianceRecord.newBuilder()
                        .setRecordId("r-" + i).setOrgId("org-" + (i % 7)).setFramework("nist-800-53-r5")
                        .setControlId("ac-" + (i % 25 + 1)).setStatus(ComplianceStatus.values()[i % 5])
                        .setObservedAt(Instant.parse("2026-11-25T08:00:00Z").plusSeconds(i))
                        .setSource("it").setMethod(AssessmentMethod.AUTOMATED)
                        .setDescription(i % 2 == 0 ? "assessment of " + i : "تقييم أحمد " + i)
                        .build());
            }
            try (var producer = clients.producer("it-producer", topic)) {
                List<Future<RecordMetadata>> acks = new ArrayList<>();
                for (ComplianceRecord r : sent) acks.add(producer.send(new ProducerRecord<>(topic.name(), r.getOrgId(), r)));
                producer.flush();
                for (Future<RecordMetadata> f : acks) assertThat(f.get().offset()).isGreaterThanOrEqualTo(0);
            }

            List<ComplianceRecord> received = new ArrayList<>();
            try (var consumer = clients.consumer("it-" + UUID.randomUUID(), "it-consumer", topic, Map.of())) {
                consumer.subscribe(List.of(topic.name()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (received.size() < sent.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, ComplianceRecord> r : consumer.poll(Duration.ofMillis(500))) {
                        assertThat(r.key()).isEqualTo(r.value().getOrgId());
                        received.add(r.value());
                    }
                }
                consumer.commitSync();
            }
            assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
            assertThat(registry.getMeters()).as("Kafka client metrics are bound")
                    .anyMatch(m -> m.getId().getName().startsWith("kafka.producer"));
        }
    }
}
