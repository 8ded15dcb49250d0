package org.compliancepipeline.ingest;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IngestConfigTest {

    @Test
    void defaultsWorkLocally() {
        Env env = new Env(Map.of("INGEST_API_KEYS_FILE", "/etc/ingest/keys.json"));
        IngestConfig c = IngestConfig.fromEnv(env);
        env.validate();
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.topic()).isEqualTo("compliance.records.v1");
        assertThat(c.maxBatchRecords()).isEqualTo(5000);
        assertThat(c.maxBodyBytes()).isEqualTo(8L * 1024 * 1024);
        assertThat(c.maxFutureSkew()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.apiKeysFile()).isEqualTo(Path.of("/etc/ingest/keys.json"));
        assertThat(c.idempotencyTtl()).isEqualTo(Duration.ofHours(24));
        assertThat(c.rateLimitWhenRedisDown()).isFalse();
        assertThat(c.redisPassword().toString()).isEqualTo("(unset)");
    }

    @Test
    void everyBadVariableIsReportedAtOnce() {
        Env env = new Env(Map.of("HTTP_PORT", "eighty", "INGEST_MAX_BATCH_RECORDS", "0", "INGEST_MAX_FUTURE_SKEW", "soon",
                "INGEST_RATE_LIMIT_WHEN_REDIS_DOWN", "maybe", "REDIS_PASSWORD", "s3cret"));
        IngestConfig.fromEnv(env);
        assertThatThrownBy(env::validate).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.problems()).hasSize(5);
            assertThat(e.getMessage()).contains("HTTP_PORT: must be an integer in 0..65535, got 'eighty'")
                    .contains("INGEST_API_KEYS_FILE: is required").contains("INGEST_MAX_BATCH_RECORDS").contains("INGEST_MAX_FUTURE_SKEW")
                    .contains("INGEST_RATE_LIMIT_WHEN_REDIS_DOWN").doesNotContain("s3cret");
        });
    }

    @Test
    void aDeliveryTimeoutTooShortToBeMetIsRefused() {
        Env env = new Env(Map.of("INGEST_API_KEYS_FILE", "k.json", "INGEST_DELIVERY_TIMEOUT", "200ms"));
        assertThatThrownBy(() -> IngestConfig.fromEnv(env)).hasMessageContaining("INGEST_DELIVERY_TIMEOUT: must be at least 1s");
    }
}
