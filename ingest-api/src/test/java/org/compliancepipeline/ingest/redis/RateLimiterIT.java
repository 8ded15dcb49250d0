package org.compliancepipeline.ingest.redis;

import org.compliancepipeline.platform.redis.RedisGateway;
import org.compliancepipeline.platform.redis.RateLimiter;

import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The token bucket script against a real Redis. */
@RealInfra
class RateLimiterIT {

    private static ApiKey key(double perSecond, double burst) {
        return new ApiKey("rl-" + UUID.randomUUID(), "0".repeat(64), List.of("acme"), Set.of(ApiKey.RECORDS_WRITE), null, false,
                new ApiKey.RateLimit(perSecond, burst), null);
    }

    @Test
    void theBucketAllowsItsBurstThenRefillsAtItsRate(Infra infra) throws Exception {
        try (RedisGateway redis = RedisGateway.connect("redis://" + infra.redisHost() + ":" + infra.redisPort(),
                new Secret(infra.redisPassword()), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            RateLimiter limiter = new RateLimiter(redis, new ApiKey.RateLimit(1, 1), false);
            ApiKey key = key(10, 20);

            assertThat(limiter.acquire(key, 20)).isInstanceOf(RateLimiter.Decision.Allowed.class);
            RateLimiter.Decision next = limiter.acquire(key, 5);
            assertThat(next).isInstanceOf(RateLimiter.Decision.Limited.class);
            assertThat(((RateLimiter.Decision.Limited) next).retryAfter()).isBetween(Duration.ofMillis(300), Duration.ofMillis(500));

            Thread.sleep(600);
            assertThat(limiter.acquire(key, 5)).as("refilled at 10/s").isInstanceOf(RateLimiter.Decision.Allowed.class);
        }
    }

    @Test
    void aRequestLargerThanTheBurstPassesOnAFullBucketAndLeavesItInDebt(Infra infra) {
        try (RedisGateway redis = RedisGateway.connect("redis://" + infra.redisHost() + ":" + infra.redisPort(),
                new Secret(infra.redisPassword()), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            RateLimiter limiter = new RateLimiter(redis, new ApiKey.RateLimit(1, 1), false);
            ApiKey key = key(100, 50);
            assertThat(limiter.acquire(key, 80)).isInstanceOf(RateLimiter.Decision.Allowed.class);
            RateLimiter.Decision after = limiter.acquire(key, 1);
            assertThat(after).isInstanceOf(RateLimiter.Decision.Limited.class);
            // 30 tokens of debt plus one at 100/s: about 310 ms.
            assertThat(((RateLimiter.Decision.Limited) after).retryAfter()).isBetween(Duration.ofMillis(250), Duration.ofMillis(320));
        }
    }

    @Test
    void theScriptIsLoadedAgainWhenRedisForgotIt(Infra infra) {
        try (RedisGateway redis = RedisGateway.connect("redis://" + infra.redisHost() + ":" + infra.redisPort(),
                new Secret(infra.redisPassword()), Duration.ofSeconds(1), Duration.ofSeconds(1))) {
            RateLimiter limiter = new RateLimiter(redis, new ApiKey.RateLimit(1, 1), false);
            ApiKey key = key(1000, 1000);
            assertThat(limiter.acquire(key, 1)).isInstanceOf(RateLimiter.Decision.Allowed.class);
            redis.connection().sync().scriptFlush();
            assertThat(limiter.acquire(key, 1)).isInstanceOf(RateLimiter.Decision.Allowed.class);
        }
    }
}
