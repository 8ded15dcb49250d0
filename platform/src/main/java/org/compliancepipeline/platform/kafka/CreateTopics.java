package org.compliancepipeline.platform.kafka;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;

import java.time.Duration;
import java.util.List;

/**
 * Creates every topic of the catalogue that is missing ({@code bin/pipeline up} runs it).
 * {@code KAFKA_BOOTSTRAP_SERVERS}, {@code TOPIC_REPLICATION_FACTOR} (default 1).
 */
public final class CreateTopics {
    private CreateTopics() { }

    public static void main(String[] args) throws InterruptedException {
        Env env = Env.system();
        KafkaConfig kafka = KafkaConfig.fromEnv(env);
        short replication = (short) env.integer("TOPIC_REPLICATION_FACTOR", 1, 1, 10);
        env.validate();
        try (KafkaClients clients = new KafkaClients(kafka, new SimpleMeterRegistry());
             Admin admin = clients.admin("create-topics")) {
            List<String> created = TopicAdmin.ensureTopics(admin, Topics.all(), replication, Duration.ofSeconds(60));
            for (Topic<?, ?> t : Topics.all()) {
                System.out.printf("%-34s %3d partitions  %-8s %s%n", t.name(), t.partitions(),
                        t.compacted() ? "compact" : "delete", created.contains(t.name()) ? "created" : "exists");
            }
        }
    }
}
