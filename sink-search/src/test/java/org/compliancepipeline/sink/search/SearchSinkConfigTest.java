package org.compliancepipeline.sink.search;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.Topics;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SearchSinkConfigTest {

    @Test
    void defaultsWorkLocally() {
        SearchSinkConfig c = SearchSinkConfig.fromEnv(new Env(Map.of()));
        assertThat(c.urls()).containsExactly(URI.create("http://127.0.0.1:9200"));
        assertThat(c.indexPrefix()).isEqualTo("compliance");
        assertThat(c.replicas()).isZero();
        assertThat(c.shards()).isEqualTo(1);
        assertThat(c.bulkMaxActions()).isEqualTo(1000);
        assertThat(c.bulkMaxBytes()).isEqualTo(5L << 20);
        assertThat(c.maxInFlight()).isEqualTo(2);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.topics()).containsExactly(Topics.ENRICHED.name(), Topics.CONTROL_STATUS.name());
    }

    @Test
    void everyBadVariableIsNamedAtOnce() {
        Env env = new Env(Map.of("ELASTICSEARCH_URL", "http://es-1:9200,ftp://nope", "ELASTICSEARCH_INDEX_PREFIX", "Compliance",
                "ELASTICSEARCH_REPLICAS", "many", "ELASTICSEARCH_REFRESH_INTERVAL", "soon"));
        assertThatThrownBy(() -> SearchSinkConfig.fromEnv(env)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(4)
                        .anySatisfy(p -> assertThat(p).startsWith("ELASTICSEARCH_URL:").contains("ftp://nope"))
                        .anySatisfy(p -> assertThat(p).startsWith("ELASTICSEARCH_INDEX_PREFIX:"))
                        .anySatisfy(p -> assertThat(p).startsWith("ELASTICSEARCH_REPLICAS:"))
                        .anySatisfy(p -> assertThat(p).startsWith("ELASTICSEARCH_REFRESH_INTERVAL:")));
    }

    @Test
    void severalNodesAndSecretsThatNeverPrint() {
        SearchSinkConfig c = SearchSinkConfig.fromEnv(new Env(Map.of("ELASTICSEARCH_URL", "https://es-1:9200, https://es-2:9200",
                "ELASTICSEARCH_USERNAME", "sink", "ELASTICSEARCH_PASSWORD", "s3cret-pw", "ELASTICSEARCH_API_KEY", "a2V5OnNlY3JldA==")));
        assertThat(c.urls()).extracting(URI::getHost).isEqualTo(List.of("es-1", "es-2"));
        assertThat(c.toString()).doesNotContain("s3cret-pw").doesNotContain("a2V5OnNlY3JldA==").contains("api-key");
    }
}
