package org.compliancepipeline.platform.kafka;

import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClientsTest {

    @Test
    void producersAreIdempotentWithAcksAllEvenWhenAnOperatorOverridesThem() {
        KafkaConfig config = KafkaConfig.fromEnv(new Env(Map.of(
                "KAFKA_CLIENT_ACKS", "1", "KAFKA_CLIENT_ENABLE_IDEMPOTENCE", "false", "KAFKA_CLIENT_LINGER_MS", "20")));
        Map<String, Object> p = KafkaClients.producerDefaults(config, "test");
        assertThat(p).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", "20");
    }

    @Test
    void consumersNeverAutoCommitAndReadCommittedData() {
        Map<String, Object> p = KafkaClients.consumerDefaults(KafkaConfig.local("127.0.0.1:9092"), "g", "c");
        assertThat(p).containsEntry("enable.auto.commit", false).containsEntry("isolation.level", "read_committed")
                .containsEntry("group.id", "g");
    }
}
