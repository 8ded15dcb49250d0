package org.compliancepipeline.query;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QueryConfigTest {

    @Test
    void defaultsListenOnLoopback8081() {
        Env env = new Env(Map.of("QUERY_API_KEYS_FILE", "/tmp/keys.json"));
        QueryConfig c = QueryConfig.fromEnv(env);
        env.validate();
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.httpPort()).isEqualTo(8081);
        assertThat(c.recordsAlias()).isEqualTo("compliance-records");
        assertThat(c.scoreCacheTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(c.auditTopic()).isEqualTo("compliance.query-audit.v1");
    }

    @Test
    void everyBadVariableIsNamed() {
        Env env = new Env(Map.of("HTTP_PORT", "eighty", "ELASTICSEARCH_URL", "ftp://x", "POSTGRES_URL", "postgres://x",
                "QUERY_SCORE_CACHE_TTL", "soon"));
        assertThatThrownBy(() -> QueryConfig.fromEnv(env)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).anyMatch(p -> p.startsWith("HTTP_PORT:"))
                        .anyMatch(p -> p.startsWith("ELASTICSEARCH_URL:")).anyMatch(p -> p.startsWith("POSTGRES_URL:"))
                        .anyMatch(p -> p.startsWith("QUERY_SCORE_CACHE_TTL:")).anyMatch(p -> p.startsWith("QUERY_API_KEYS_FILE:")));
    }
}
