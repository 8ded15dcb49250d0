package org.compliancepipeline.ingest.redis;

import org.compliancepipeline.platform.redis.RedisGateway;

import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The claim protocol of Idempotency-Key entries against a real Redis. */
@RealInfra
class IdempotencyStoreIT {

    @Test
    void aKeyIsClaimedOnceThenReplayedAndRefusedForOtherContent(Infra infra) {
        try (RedisGateway redis = RedisGateway.connect("redis://" + infra.redisHost() + ":" + infra.redisPort(),
                new Secret(infra.redisPassword()), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            IdempotencyStore store = new IdempotencyStore(redis, Duration.ofMinutes(1), Duration.ofSeconds(30));
            String apiKey = "k-" + UUID.randomUUID();
            byte[] body = "[{\"a\":1}]".getBytes(StandardCharsets.UTF_8);

            IdempotencyStore.Claim first = store.claim(apiKey, "retry-1", "records:batch", body);
            assertThat(first).isInstanceOf(IdempotencyStore.Claim.Granted.class);
            assertThat(store.claim(apiKey, "retry-1", "records:batch", body))
                    .as("a concurrent duplicate while the first is processed").isInstanceOf(IdempotencyStore.Claim.InProgress.class);

            byte[] answer = "{\"accepted\":1}".getBytes(StandardCharsets.UTF_8);
            assertThat(store.complete((IdempotencyStore.Claim.Granted) first, 202, answer)).isTrue();
            assertThat(store.claim(apiKey, "retry-1", "records:batch", body))
                    .isInstanceOfSatisfying(IdempotencyStore.Claim.Replay.class, r -> {
                        assertThat(r.status()).isEqualTo(202);
                        assertThat(r.body()).isEqualTo(answer);
                    });
            assertThat(store.claim(apiKey, "retry-1", "records:batch", "[{\"a\":2}]".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(IdempotencyStore.Claim.Mismatch.class);
            assertThat(store.claim(apiKey, "retry-1", "records", body)).as("another route").isInstanceOf(IdempotencyStore.Claim.Mismatch.class);
            assertThat(store.claim("other-" + apiKey, "retry-1", "records:batch", body)).isInstanceOf(IdempotencyStore.Claim.Granted.class);
        }
    }

    @Test
    void aReleasedClaimCanBeClaimedAgain(Infra infra) {
        try (RedisGateway redis = RedisGateway.connect("redis://" + infra.redisHost() + ":" + infra.redisPort(),
                new Secret(infra.redisPassword()), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            IdempotencyStore store = new IdempotencyStore(redis, Duration.ofMinutes(1), Duration.ofSeconds(30));
            String apiKey = "k-" + UUID.randomUUID();
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            var claim = (IdempotencyStore.Claim.Granted) store.claim(apiKey, "retry-2", "records", body);
            store.release(claim);
            assertThat(store.claim(apiKey, "retry-2", "records", body)).isInstanceOf(IdempotencyStore.Claim.Granted.class);
        }
    }
}
