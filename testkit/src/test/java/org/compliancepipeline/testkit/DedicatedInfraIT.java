package org.compliancepipeline.testkit;

import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import java.net.Socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Dedicated servers for fault tests: killed and restarted without touching the shared ones. */
class DedicatedInfraIT {

    @Test
    void aDedicatedRedisSurvivesKillAndRestartWithItsData() {
        try (DedicatedInfra own = DedicatedInfra.launch(DedicatedInfra.Component.REDIS)) {
            Infra infra = own.infra();
            assertThat(infra.redisPort()).isNotEqualTo(6379);
            RedisClient client = RedisClient.create(infra.redisUri());
            try (var conn = client.connect()) {
                conn.sync().set("k", "v");
                conn.sync().bgrewriteaof();
            }
            own.stop(DedicatedInfra.Component.REDIS);
            assertThatThrownBy(() -> new Socket(infra.redisHost(), infra.redisPort()).close()).isInstanceOf(java.io.IOException.class);
            own.start(DedicatedInfra.Component.REDIS);
            try (var conn = client.connect()) {
                assertThat(conn.sync().get("k")).as("AOF persistence keeps data across restarts").isEqualTo("v");
            }
            own.kill(DedicatedInfra.Component.REDIS);
            assertThatThrownBy(() -> new Socket(infra.redisHost(), infra.redisPort()).close()).isInstanceOf(java.io.IOException.class);
            client.shutdown();
        }
    }
}
