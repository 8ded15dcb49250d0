package org.compliancepipeline.sink.search;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.SendErrors;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.compliancepipeline.sink.search.SearchTestSupport.count;

/** Elasticsearch stopped in the middle of a stream and started again: the sink pauses, turns not ready, and catches up without loss. */
@RealInfra
class SearchSinkFaultsIT {
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private KafkaClients kafka;

    @BeforeEach
    void setUp(Infra infra) {
        kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry());
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private void produce(SearchSinkConfig config, int from, int to) {
        try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("it-" + suffix, Topics.ENRICHED)) {
            SendErrors errors = new SendErrors();
            for (int i = from; i < to; i++) {
                EnrichedRecord r = Enriched.of(i);
                p.send(new ProducerRecord<>(config.enrichedTopic(), r.getRecord().getOrgId(), r), errors);
            }
            p.flush();
            errors.throwIfAny();
        }
    }

    @Test
    void elasticsearchStoppedAndStartedMidStreamGivesTheExactCount() throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.ELASTICSEARCH)) {
            SearchSinkConfig config = SearchSinkConfig.local(own.infra().elasticsearchUrl(), "fault-" + suffix,
                    "it.enriched." + suffix, "it.control-status." + suffix);
            try (Admin admin = kafka.admin("it")) {
                TopicAdmin.ensureTopics(admin, List.of(
                        new Topic<>(config.enrichedTopic(), Topics.ENRICHED.keySerde(), Topics.ENRICHED.valueSerde(), 6, Map.of()),
                        new Topic<>(config.controlStatusTopic(), Topics.CONTROL_STATUS.keySerde(), Topics.CONTROL_STATUS.valueSerde(), 1, Map.of()),
                        Topics.SINK_SEARCH_DLQ), (short) 1, Duration.ofSeconds(30));
            }
            SinkConfig sinkConfig = new SinkConfig(SearchSink.NAME, "it-outage-" + suffix, config.topics(), Topics.SINK_SEARCH_DLQ.name(),
                    1, 2000, 8 << 20, Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofSeconds(3), Duration.ofSeconds(5), 2000);
            String alias = config.indexPrefix() + "-records";
            // 60,000 records one minute apart: November and December 2026, two monthly indices.
            int total = 60_000;
            try (SearchSink sink = SearchSink.start(sinkConfig, config, kafka, new SimpleMeterRegistry());
                 ElasticsearchConnection es = ElasticsearchConnection.open(config, SearchTestSupport.JSON)) {
                produce(config, 0, 10_000);
                await().atMost(Duration.ofSeconds(60)).until(() -> count(es.client(), alias) == 10_000);
                await().atMost(Duration.ofSeconds(10)).until(() -> sink.health().check().ready());

                // The rest is produced over about 10 s, and the node goes down in the middle of it.
                CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
                    for (int from = 10_000; from < total; from += 2_500) {
                        produce(config, from, Math.min(total, from + 2_500));
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                });
                await().atMost(Duration.ofSeconds(60)).until(() -> count(es.client(), alias) > 15_000);
                long beforeStop = count(es.client(), alias);
                assertThat(producing).as("still producing when the node stops").isNotDone();
                own.stop(Component.ELASTICSEARCH);
                assertThat(beforeStop).isLessThan(total);
                long stoppedAt = System.currentTimeMillis();
                producing.get();
                await().atMost(Duration.ofSeconds(30)).until(() -> !sink.health().check().ready());
                assertThat(sink.health().check().detail()).containsAnyOf("elasticsearch unreachable", "writes failing");
                Thread.sleep(Math.max(0, 10_000 - (System.currentTimeMillis() - stoppedAt)));

                own.start(Component.ELASTICSEARCH);
                await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> count(es.client(), alias) == total);
                await().atMost(Duration.ofSeconds(30)).until(() -> sink.health().check().ready());
                Thread.sleep(2_000); // anything beyond the total would be a duplicate arriving late
                assertThat(count(es.client(), alias)).isEqualTo(total);
                assertThat(count(es.client(), config.indexPrefix() + "-records-2026.11")
                        + count(es.client(), config.indexPrefix() + "-records-2026.12")).isEqualTo(total);
            }
            assertThat(SearchTestSupport.deadLetters(kafka, config.enrichedTopic(), 1, Duration.ofSeconds(3))).isEmpty();
        }
    }
}
