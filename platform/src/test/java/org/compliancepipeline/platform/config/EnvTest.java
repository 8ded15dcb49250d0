package org.compliancepipeline.platform.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvTest {

    @Test
    void defaultsApplyWhenVariablesAreUnset() {
        Env env = new Env(Map.of());
        assertThat(env.string("HTTP_HOST", "127.0.0.1")).isEqualTo("127.0.0.1");
        assertThat(env.port("HTTP_PORT", 8080)).isEqualTo(8080);
        assertThat(env.duration("LINGER", Duration.ofMillis(5))).isEqualTo(Duration.ofMillis(5));
        env.validate();
    }

    @Test
    void valuesAreParsed() {
        Env env = new Env(Map.of("PORT", "9000", "RETENTION", "7d", "TIMEOUT", "PT30S", "LINGER", "250ms",
                "FLAG", "yes", "RATIO", "0.7", "MODE", "read-committed"));
        assertThat(env.port("PORT", 1)).isEqualTo(9000);
        assertThat(env.duration("RETENTION", Duration.ZERO)).isEqualTo(Duration.ofDays(7));
        assertThat(env.duration("TIMEOUT", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
        assertThat(env.duration("LINGER", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
        assertThat(env.bool("FLAG", false)).isTrue();
        assertThat(env.decimal("RATIO", 0, 0, 1)).isEqualTo(0.7);
        assertThat(env.choice("MODE", Mode.READ_UNCOMMITTED, Mode.class)).isEqualTo(Mode.READ_COMMITTED);
        env.validate();
    }

    enum Mode { READ_COMMITTED, READ_UNCOMMITTED }

    @Test
    void everyBadVariableIsNamedInOneError() {
        Env env = new Env(Map.of("HTTP_PORT", "eighty", "BATCH_SIZE", "0", "LINGER", "soon"));
        env.port("HTTP_PORT", 8080);
        env.integer("BATCH_SIZE", 500, 1, 100_000);
        env.duration("LINGER", Duration.ofMillis(5));
        env.required("DATABASE_URL", "JDBC URL of PostgreSQL");
        assertThatThrownBy(env::validate)
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("HTTP_PORT: must be an integer in 0..65535, got 'eighty'")
                .hasMessageContaining("BATCH_SIZE: must be an integer in 1..100000, got '0'")
                .hasMessageContaining("LINGER: must be a duration")
                .hasMessageContaining("DATABASE_URL: is required (JDBC URL of PostgreSQL)");
    }

    @Test
    void secretsNeverAppearInMessagesOrToString() {
        Env env = new Env(Map.of("KAFKA_SASL_JAAS_CONFIG", "password=hunter2"));
        Secret s = env.secret("KAFKA_SASL_JAAS_CONFIG", null);
        assertThat(s.value()).isEqualTo("password=hunter2");
        assertThat(s.toString()).doesNotContain("hunter2");
        KafkaConfig kafka = KafkaConfig.fromEnv(env);
        assertThat(kafka.toString()).doesNotContain("hunter2");
    }

    @Test
    void secretsCanComeFromFiles(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var file = dir.resolve("pw");
        java.nio.file.Files.writeString(file, "s3cret\n");
        Env env = new Env(Map.of("REDIS_PASSWORD_FILE", file.toString()));
        assertThat(env.secret("REDIS_PASSWORD", null).value()).isEqualTo("s3cret");
    }

    @Test
    void kafkaClientSettingsPassThrough() {
        Env env = new Env(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092", "KAFKA_CLIENT_SSL_TRUSTSTORE_LOCATION", "/t.jks"));
        KafkaConfig kafka = KafkaConfig.fromEnv(env);
        assertThat(kafka.common()).containsEntry("bootstrap.servers", "k1:9092,k2:9092")
                .containsEntry("ssl.truststore.location", "/t.jks");
    }
}
