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
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Organization;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The reference commands against a real broker: what lands in the compacted topics, and what --prune removes. */
@RealInfra
class ReferenceLoadIT {
    static final Path CATALOG = OscalCatalogTest.NIST;
    static final Path ORGS = ReferenceData.root().resolve("reference-data/orgs/sample-orgs.json");

    @TempDir Path tmp;
    Infra infra;
    KafkaClients clients;
    Admin admin;
    String controls;
    String orgs;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    @BeforeEach
    void topics(Infra infra) throws Exception {
        this.infra = infra;
        clients = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
        admin = clients.admin("it-cli");
        String run = "it-cli-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        controls = run + Topics.CONTROLS.name();
        orgs = run + Topics.ORGS.name();
        TopicAdmin.ensureTopics(admin, List.of(renamed(Topics.CONTROLS, controls), renamed(Topics.ORGS, orgs)), (short) 1,
                Duration.ofSeconds(30));
    }

    @AfterEach
    void deleteTopics() throws Exception {
        admin.deleteTopics(List.of(controls, orgs)).all().get();
        admin.close();
    }

    @Test
    void loadCatalogWritesEveryControlKeyedByFrameworkAndControl() {
        int code = cli("reference", "load-catalog", "--file", CATALOG.toString(), "--framework", "nist-800-53-r5",
                "--baseline", "moderate", "--topic", controls);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("287 controls (177 base, 110 enhancements) in 18 families")
                .contains("wrote 287 controls of nist-800-53-r5 to " + controls);
        Map<String, byte[]> topic = read(controls);
        assertThat(topic).hasSize(287);
        ControlDefinition ac21 = AvroSerdes.CONTROL_DEFINITION.deserialize(controls, topic.get("nist-800-53-r5:ac-2.1"));
        assertThat(ac21.getParentControlId()).isEqualTo("ac-2");
        assertThat(ac21.getBaselines()).containsExactly("MODERATE");
        assertThat(ac21.getWeight()).isEqualTo(0.5);
    }

    @Test
    void pruneTombstonesTheControlsOfTheFrameworkThatAreNoLongerInTheCatalog() throws Exception {
        assertThat(cli("reference", "load-catalog", "--file", CATALOG.toString(), "--topic", controls)).isZero();
        assertThat(cli("reference", "load-catalog", "--file", CATALOG.toString(), "--framework", "other-fw", "--topic", controls)).isZero();
        Path two = tmp.resolve("two.json");
        Files.writeString(two, """
                {"catalog": {"uuid": "u", "metadata": {"title": "Two", "version": "1"}, "groups": [{"id": "ac", "title": "Access Control",
                 "controls": [{"id": "ac-1", "title": "Policy and Procedures"}, {"id": "ac-2", "title": "Account Management"}]}]}}
                """);

        int code = cli("reference", "load-catalog", "--file", two.toString(), "--prune", "--topic", controls);

        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("removed 285");
        Map<String, byte[]> topic = read(controls);
        assertThat(topic.keySet()).filteredOn(k -> k.startsWith("nist-800-53-r5:"))
                .containsExactlyInAnyOrder("nist-800-53-r5:ac-1", "nist-800-53-r5:ac-2");
        assertThat(topic.keySet()).as("another framework's controls are not touched").filteredOn(k -> k.startsWith("other-fw:")).hasSize(287);
    }

    @Test
    void loadOrgsFromJsonAndCsv() throws Exception {
        assertThat(cli("reference", "load-orgs", "--file", ORGS.toString(), "--topic", orgs)).as(err.toString()).isZero();
        Path csv = tmp.resolve("more.csv");
        Files.writeString(csv, "orgId,name,sector,region,frameworks\nriyadh-national-bank,\"Riyadh National Bank, HQ\",banking,sa-riyadh,sama-csf\n");
        assertThat(cli("reference", "load-orgs", "--file", csv.toString(), "--topic", orgs, "--prune")).as(err.toString()).isZero();

        Map<String, byte[]> topic = read(orgs);
        assertThat(topic).containsOnlyKeys("riyadh-national-bank");
        Organization bank = AvroSerdes.ORGANIZATION.deserialize(orgs, topic.get("riyadh-national-bank"));
        assertThat(bank.getName()).isEqualTo("Riyadh National Bank, HQ");
        assertThat(bank.getFrameworks()).containsExactly("sama-csf");
        assertThat(out.toString()).contains("removed 19");
    }

    @Test
    void aFileWithProblemsLoadsNothingAndSaysWhy() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "[{\"orgId\": \"good\", \"name\": \"Good\"}, {\"orgId\": \"\", \"name\": \"Bad\"}]");

        int code = cli("reference", "load-orgs", "--file", bad.toString(), "--topic", orgs);

        assertThat(code).isEqualTo(1);
        assertThat(err.toString()).contains("organizations[1].orgId").contains("nothing loaded");
        assertThat(read(orgs)).isEmpty();
    }

    private int cli(String... args) {
        Map<String, String> env = new HashMap<>(Map.of("KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers()));
        return PipelineCli.execute(new Env(env), new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    /** The live entries of a compacted topic: latest value per key, tombstones removing it. */
    private Map<String, byte[]> read(String topic) {
        Map<String, Object> props = KafkaClients.consumerDefaults(clients.config(), "unused", "it-cli-reader");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Map<String, byte[]> live = new HashMap<>();
        try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.value() == null) live.remove(r.key());
                    else live.put(r.key(), r.value());
                }
            }
        }
        return live;
    }

    private static <K, V> Topic<K, V> renamed(Topic<K, V> t, String name) {
        return new Topic<>(name, t.keySerde(), t.valueSerde(), t.partitions(), t.config());
    }
}
