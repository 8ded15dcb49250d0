package org.compliancepipeline.testkit;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Pipelined writes (commands flushed once per batch) to a real Redis through Lettuce. */
@RealInfra
class RedisPipelineIT {

    @Test
    void pipelinedHashWritesAllLand(Infra infra) {
        String prefix = "it:" + UUID.randomUUID() + ":";
        RedisClient client = RedisClient.create(infra.redisUri());
        try (StatefulRedisConnection<String, String> conn = client.connect()) {
            RedisAsyncCommands<String, String> redis = conn.async();
            conn.setAutoFlushCommands(false);
            List<RedisFuture<?>> futures = new ArrayList<>();
            int controls = 5_000;
            for (int i = 0; i < controls; i++) {
                futures.add(redis.hset(prefix + "{acme/nist}", "ac-" + i, i % 2 == 0 ? "SATISFIED" : "NOT_SATISFIED"));
                futures.add(redis.expire(prefix + "{acme/nist}", Duration.ofMinutes(5)));
            }
            conn.flushCommands();
            assertThat(LettuceFutures.awaitAll(Duration.ofSeconds(30), futures.toArray(new RedisFuture<?>[0]))).isTrue();
            conn.setAutoFlushCommands(true);

            var sync = conn.sync();
            Map<String, String> hash = sync.hgetall(prefix + "{acme/nist}");
            assertThat(hash).hasSize(controls).containsEntry("ac-0", "SATISFIED").containsEntry("ac-1", "NOT_SATISFIED");
            assertThat(sync.ttl(prefix + "{acme/nist}")).isBetween(1L, 300L);
            sync.del(prefix + "{acme/nist}");
        } finally {
            client.shutdown();
        }
    }
}
