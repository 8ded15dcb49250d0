package org.compliancepipeline.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code pipeline load --to kafka} against a real broker: every record decodes with the Avro serde, keyed by its org. */
@RealInfra
class LoadToKafkaIT {
    @TempDir Path tmp;
    KafkaClients clients;
    Admin admin;
    String topic;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void topic(Infra infra) throws Exception {
        clients = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
        admin = clients.admin("it-load");
        topic = "it-load-" + UUID.randomUUID().toString().substring(0, 8) + "." + Topics.RECORDS.name();
        TopicAdmin.ensureTopics(admin, List.of(new Topic<>(topic, Topics.RECORDS.keySerde(), Topics.RECORDS.valueSerde(), 3, Map.of())),
                (short) 1, Duration.ofSeconds(30));
    }

    @AfterEach
    void deleteTopic() throws Exception {
        admin.deleteTopics(List.of(topic)).all().get();
        admin.close();
    }

    @Test
    void writesDecodableRecordsKeyedByOrgWithTheSharesAsked(Infra infra) throws Exception {
        Path report = tmp.resolve("report.json");
        int code = PipelineCli.execute(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true),
                "load", "--to", "kafka", "--topic", topic, "--bootstrap-servers", infra.kafkaBootstrapServers(),
                "--count", "3000", "--rate", "50000", "--batch", "250", "--sample", "0", "--seed", "11", "--run-id", "it",
                "--duplicates", "0.05", "--late", "0.05", "--invalid", "0.05", "--progress", "none", "--json", report.toString());
        assertThat(code).as(out + "\n" + err).isZero();
        assertThat(out.toString()).contains("accepted 3000, rejected 0");

        List<ConsumerRecord<String, byte[]>> records = readAll(3000);
        assertThat(records).hasSize(3000);
        Set<String> orgs = new HashSet<>();
        Map<String, Integer> ids = new HashMap<>();
        int invalid = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            ComplianceRecord record = Topics.RECORDS.valueSerde().deserializer().deserialize(topic, r.value());
            assertThat(r.key()).isEqualTo(record.getOrgId());
            assertThat(record.getFramework()).isEqualTo("nist-800-53-r5");
            assertThat(record.getRecordId()).startsWith("load-it-");
            orgs.add(record.getOrgId());
            ids.merge(record.getRecordId(), 1, Integer::sum);
            if (!Ids.isId(record.getControlId()) || record.getScore() != null && record.getScore() > 100
                    || record.getObservedAt().isAfter(java.time.Instant.now().plusSeconds(3600))) invalid++;
        }
        // the orgs that adopted nist-800-53-r5 in the sample file
        assertThat(orgs).isSubsetOf("dammam-petrochem", "neom-digital", "ministry-e-services", "acme-federal",
                "northwind-health", "dubai-smart-city", "litware-saas").hasSizeGreaterThan(3);
        long resent = ids.values().stream().filter(n -> n > 1).mapToLong(n -> n - 1).sum();
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Files.readString(report));
        assertThat(resent).isEqualTo(json.path("duplicates").asLong()).isBetween(90L, 210L);
        assertThat(invalid).isEqualTo(json.path("invalid").asInt()).isBetween(90, 210);
        assertThat(json.path("accepted").asLong()).isEqualTo(3000);
    }

    @Test
    void aBadOptionIsNamed() {
        int code = PipelineCli.execute(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true),
                "load", "--to", "kafka", "--topic", topic, "--count", "10", "--duplicates", "1.5");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("duplicate share must be within 0..1, got 1.5");

        err.getBuffer().setLength(0);
        code = PipelineCli.execute(new Env(Map.of()), new PrintWriter(out, true), new PrintWriter(err, true),
                "load", "--to", "kafka", "--duration", "ten");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--duration: must be a duration like 500ms, 30s, 5m, 1h or 7d, got 'ten'");
    }

    private List<ConsumerRecord<String, byte[]>> readAll(int expected) {
        Map<String, Object> props = KafkaClients.consumerDefaults(clients.config(), "unused", "it-load-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (all.size() < expected && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(200)).forEach(all::add);
        }
        return all;
    }
}
