package org.compliancepipeline.sink.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;

/** sink-cache end to end: the real broker, the sink runtime, the real Redis. */
@RealInfra
class CacheSinkIT {
    private static final Duration CATCH_UP = Duration.ofSeconds(90);

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private Infra infra;
    private KafkaHarness kafka;
    private RedisClient readerClient;
    private RedisCommands<String, String> redis;
    private final List<CacheSink> sinks = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();

    @BeforeEach
    void setUp(Infra infra) {
        this.infra = infra;
        kafka = new KafkaHarness(infra.kafkaBootstrapServers());
        readerClient = RedisClient.create(infra.redisUri());
        redis = readerClient.connect().sync();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (CacheSink s : sinks) s.close();
        for (String p : prefixes) RedisState.delete(redis, p);
        readerClient.shutdown();
        kafka.close();
    }

    private CacheSinkConfig config(String name, Map<String, String> extra) {
        String prefix = "it:" + run + ":" + name + ":";
        prefixes.add(prefix);
        Map<String, String> env = new HashMap<>(infra.asEnvironment());
        env.put("CACHE_KEY_PREFIX", prefix);
        env.put("TOPIC_ENRICHED", "it.enriched." + run + "." + name);
        env.put("TOPIC_CONTROL_STATUS", "it.control-status." + run + "." + name);
        env.put("TOPIC_SCORES", "it.scores." + run + "." + name);
        env.putAll(extra);
        CacheSinkConfig c = CacheSinkConfig.fromEnv(new Env(env));
        assertThat(c.problems()).isEmpty();
        return c;
    }

    private CacheSink start(CacheSinkConfig config, String group, SimpleMeterRegistry registry) {
        CacheSink sink = CacheSink.start(KafkaHarness.sinkConfig(config, group, 300), config, kafka.kafka, registry);
        sinks.add(sink);
        return sink;
    }

    private void stop(CacheSink sink) throws InterruptedException {
        sink.close();
        sinks.remove(sink);
    }

    @Test
    void shuffledAndDuplicatedInputGivesTheSameFinalStateAsOrderedInput() throws Exception {
        Workload w = new Workload(42, 6, 20, 4, Instant.now());
        CacheSinkConfig ordered = config("ordered", Map.of());
        CacheSinkConfig shuffled = config("shuffled", Map.of());
        kafka.createTopics(ordered, 3);
        kafka.createTopics(shuffled, 3);
        var shuffledInput = w.shuffled(7, 0.3);
        kafka.produce(ordered, w.ordered());
        kafka.produce(shuffled, shuffledInput);
        assertThat(w.messageCount(shuffledInput)).isGreaterThan(w.messageCount(w.ordered()) * 5 / 4);

        start(ordered, "it-ordered-" + run, new SimpleMeterRegistry());
        start(shuffled, "it-shuffled-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-ordered-" + run, ordered.topics(), CATCH_UP);
        kafka.awaitCaughtUp("it-shuffled-" + run, shuffled.topics(), CATCH_UP);

        Map<String, Object> expected = w.expectedState();
        Map<String, Object> fromOrdered = RedisState.state(redis, ordered.keyPrefix());
        Map<String, Object> fromShuffled = RedisState.state(redis, shuffled.keyPrefix());
        assertThat(fromOrdered.keySet()).isEqualTo(expected.keySet());
        assertThat(fromOrdered).isEqualTo(expected);
        assertThat(fromShuffled.keySet()).isEqualTo(fromOrdered.keySet());
        assertThat(fromShuffled).isEqualTo(fromOrdered);

        // The workload deleted statuses and scores, and re-created some with older observations.
        assertThat(w.statuses.values()).contains((ControlStatus) null);
        assertThat(fromShuffled).doesNotContainKey("{org-1/nist-800-53-r5}:score");
        assertThat(fromShuffled).containsKey("{org-0/iso-27001}:score");

        // Live updates: however the changes arrived, each org's last event on its framework's stream is its final state.
        for (String fw : Workload.FRAMEWORKS) {
            Map<String, Map<String, String>> last = new LinkedHashMap<>();
            for (Map<String, String> e : RedisState.stream(redis, shuffled.keys().scoreStream(fw))) last.put(e.get("orgId"), e);
            last.forEach((org, e) -> {
                ComplianceScore s = w.scores.get(Keys.score(org, fw));
                if (s == null) {
                    assertThat(e).containsEntry("event", "delete");
                } else {
                    assertThat(e).containsEntry("event", "update").containsEntry("score", CacheJson.number(s.getScore()))
                            .containsEntry("updatedAt", s.getUpdatedAt().toString());
                }
            });
            assertThat(last).hasSize(6);
        }
        // No TTL unless configured; records expire 24 h after ingestion.
        assertThat(redis.ttl(shuffled.keys().status("org-2", "iso-27001"))).isEqualTo(-1);
        EnrichedRecord any = w.records.getFirst();
        assertThat(redis.pexpiretime(shuffled.keys().record(any.getRecord().getRecordId())))
                .isEqualTo(any.getIngestedAt().plus(Duration.ofHours(24)).toEpochMilli());
    }

    @Test
    void replayingTheTopicsFromTheStartWithANewGroupChangesNothing() throws Exception {
        Workload w = new Workload(43, 5, 15, 3, Instant.now());
        CacheSinkConfig config = config("replay", Map.of("CACHE_STATUS_TTL", "1h", "CACHE_SCORE_TTL", "1h",
                "CACHE_LEADERBOARD_TTL", "1h", "CACHE_STREAM_TTL", "1h"));
        kafka.createTopics(config, 3);
        kafka.produce(config, w.shuffled(11, 0.2));
        CacheSink first = start(config, "it-first-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-first-" + run, config.topics(), CATCH_UP);
        stop(first);
        Map<String, Object> before = RedisState.raw(redis, config.keyPrefix());
        assertThat(RedisState.state(redis, config.keyPrefix())).isEqualTo(w.expectedState());

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        start(config, "it-replay-" + run, registry);
        kafka.awaitCaughtUp("it-replay-" + run, config.topics(), CATCH_UP);

        // Every key, value, bookkeeping entry, stream entry (ids included) and absolute expiry is as it was.
        assertThat(RedisState.raw(redis, config.keyPrefix())).isEqualTo(before);
        for (String kind : List.of("status", "score", "leaderboard")) {
            assertThat(counter(registry, kind, "applied")).as(kind + " applied").isZero();
            assertThat(counter(registry, kind, "deleted")).as(kind + " deleted").isZero();
            assertThat(counter(registry, kind, "unchanged")).as(kind + " unchanged").isPositive();
        }
        assertThat(registry.get("sink.cache.live.events").counter().count()).isZero();
    }

    private static double counter(SimpleMeterRegistry registry, String kind, String result) {
        return registry.get("sink.cache.updates").tags("kind", kind, "result", result).counter().count();
    }

    @Test
    void everyKeyTypeGetsItsTtlWhereOneIsConfigured() throws Exception {
        Workload w = new Workload(44, 2, 5, 2, Instant.now());
        CacheSinkConfig config = config("ttl", Map.of("CACHE_RECORD_TTL", "6h", "CACHE_STATUS_TTL", "1h", "CACHE_SCORE_TTL", "2h",
                "CACHE_LEADERBOARD_TTL", "3h", "CACHE_STREAM_TTL", "4h"));
        kafka.createTopics(config, 2);
        kafka.produce(config, w.ordered());
        start(config, "it-ttl-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-ttl-" + run, config.topics(), CATCH_UP);

        Map<String, long[]> ttlByKind = Map.of(":status", new long[]{0, 3_600_000}, ":score", new long[]{0, 7_200_000},
                "lb:", new long[]{0, 10_800_000}, "scores:", new long[]{0, 14_400_000});
        Set<String> seen = new TreeSet<>();
        for (String key : RedisState.keys(redis, config.keyPrefix())) {
            long pttl = redis.pttl(key);
            assertThat(pttl).as(key).isPositive();
            String local = key.substring(config.keyPrefix().length());
            if (local.startsWith("rec:")) {
                seen.add("rec");
                EnrichedRecord e = w.records.stream().filter(r -> local.equals("rec:{" + r.getRecord().getRecordId() + "}")).findFirst().orElseThrow();
                assertThat(redis.pexpiretime(key)).isEqualTo(e.getIngestedAt().plus(Duration.ofHours(6)).toEpochMilli());
                continue;
            }
            ttlByKind.forEach((kind, range) -> {
                if (local.startsWith(kind) || local.replace(":meta", "").endsWith(kind)) {
                    seen.add(kind);
                    assertThat(pttl).as(key).isBetween(range[1] - 60_000, range[1]);
                }
            });
        }
        assertThat(seen).containsExactlyInAnyOrder("rec", ":status", ":score", "lb:", "scores:");
    }

    @Test
    void scoreChangesArePublishedOnceOnTheStreamAndTheChannelAndNeverForStaleOrReplayedUpdates() throws Exception {
        CacheSinkConfig config = config("live", Map.of());
        kafka.createTopics(config, 3);
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        ObjectMapper json = new ObjectMapper();
        StatefulRedisPubSubConnection<String, String> pubsub = readerClient.connectPubSub();
        pubsub.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                try {
                    messages.add(json.readTree(message));
                } catch (Exception e) {
                    throw new IllegalStateException(message, e);
                }
            }
        });
        pubsub.sync().subscribe(config.channel());
        assertThat(config.channel()).isEqualTo(config.keyPrefix() + "scores");

        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        Random random = new Random(3);
        String fw = Workload.FRAMEWORKS.getFirst();
        ComplianceScore acme50 = ComplianceScore.newBuilder(Workload.score("acme", fw, t, random)).setScore(50).build();
        ComplianceScore acmeOlder = ComplianceScore.newBuilder(acme50).setScore(40).setUpdatedAt(t.minusSeconds(1)).build();
        ComplianceScore acmeSame = ComplianceScore.newBuilder(acme50).setScore(45).build();
        ComplianceScore acme62 = ComplianceScore.newBuilder(acme50).setScore(62.5).setUpdatedAt(t.plusSeconds(1)).build();
        ComplianceScore globex70 = ComplianceScore.newBuilder(Workload.score("globex", fw, t, random)).setScore(70).build();
        String acmeKey = Keys.score("acme", fw);
        kafka.produce(config, List.of(List.of(
                new Workload.Message(Workload.Role.SCORES, acmeKey, acme50, 0),
                new Workload.Message(Workload.Role.SCORES, acmeKey, acmeOlder, 0),
                new Workload.Message(Workload.Role.SCORES, acmeKey, acmeSame, 0),
                new Workload.Message(Workload.Role.SCORES, acmeKey, acme62, 0),
                new Workload.Message(Workload.Role.SCORES, Keys.score("globex", fw), globex70, 0),
                new Workload.Message(Workload.Role.SCORES, acmeKey, null, 0))));
        start(config, "it-live-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-live-" + run, config.topics(), CATCH_UP);
        await().atMost(Duration.ofSeconds(10)).until(() -> messages.size() >= 4);

        List<String> acme = messages.stream().filter(m -> m.get("orgId").asText().equals("acme")).map(JsonNode::toString).toList();
        assertThat(acme).containsExactly(
                "{\"event\":\"update\",\"orgId\":\"acme\",\"framework\":\"" + fw + "\",\"score\":50,\"previous\":null,\"satisfied\":"
                        + CacheJson.number(acme50.getSatisfiedWeight()) + ",\"applicable\":" + CacheJson.number(acme50.getApplicableWeight())
                        + ",\"updatedAt\":\"2026-11-25T08:00:00Z\"}",
                "{\"event\":\"update\",\"orgId\":\"acme\",\"framework\":\"" + fw + "\",\"score\":62.5,\"previous\":50,\"satisfied\":"
                        + CacheJson.number(acme62.getSatisfiedWeight()) + ",\"applicable\":" + CacheJson.number(acme62.getApplicableWeight())
                        + ",\"updatedAt\":\"2026-11-25T08:00:01Z\"}",
                "{\"event\":\"delete\",\"orgId\":\"acme\",\"framework\":\"" + fw + "\",\"previous\":62.5}");
        assertThat(messages).filteredOn(m -> m.get("orgId").asText().equals("globex")).singleElement()
                .satisfies(m -> assertThat(m.get("score").asDouble()).isEqualTo(70));

        List<Map<String, String>> stream = RedisState.stream(redis, config.keys().scoreStream(fw));
        assertThat(stream).hasSize(4);
        assertThat(stream).filteredOn(e -> e.get("orgId").equals("acme")).extracting(e -> e.get("event") + " " + e.get("score") + " " + e.get("previous"))
                .containsExactly("update 50 ", "update 62.5 50", "delete null 62.5");
        assertThat(RedisState.leaderboard(redis, config.keys().leaderboard(fw))).extracting(v -> v.getValue()).containsExactly("globex");

        // A replay publishes nothing.
        start(config, "it-live-replay-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-live-replay-" + run, config.topics(), CATCH_UP);
        Thread.sleep(500);
        assertThat(messages).hasSize(4);
        assertThat(RedisState.stream(redis, config.keys().scoreStream(fw))).hasSize(4);
        pubsub.close();
    }

    @Test
    void recordsThatCannotBeStoredGoToTheDeadLetterTopicWithTheReasonAndTheOthersToRedis() throws Exception {
        CacheSinkConfig config = config("dlq", Map.of());
        kafka.createTopics(config, 1);
        Instant t = Instant.parse("2026-11-25T08:00:00Z");
        Random random = new Random(5);
        // The key this org's statuses map to holds a string (someone wrote it by hand): its records are poison.
        redis.set(config.keys().status("broken", "nist-800-53-r5"), "by hand");
        List<Workload.Message> input = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String org = i == 20 || i == 30 ? "broken" : "org-" + (i % 5);
            ControlStatus s = Workload.status(org, "nist-800-53-r5", "ac-" + i, t.plusSeconds(i), "r-" + i, random);
            input.add(new Workload.Message(Workload.Role.CONTROL_STATUS, Keys.controlStatus(org, "nist-800-53-r5", "ac-" + i), s, 0));
        }
        ComplianceScore nan = ComplianceScore.newBuilder(Workload.score("acme", "nist-800-53-r5", t, random)).setScore(Double.NaN).build();
        input.add(25, new Workload.Message(Workload.Role.SCORES, Keys.score("acme", "nist-800-53-r5"), nan, 0));
        input.add(new Workload.Message(Workload.Role.SCORES, Keys.score("globex", "nist-800-53-r5"),
                Workload.score("globex", "nist-800-53-r5", t, random), 0));
        kafka.produce(config, List.of(input));
        start(config, "it-dlq-" + run, new SimpleMeterRegistry());
        kafka.awaitCaughtUp("it-dlq-" + run, config.topics(), CATCH_UP);

        for (int i = 0; i < 50; i++) {
            if (i == 20 || i == 30) continue;
            assertThat(redis.hget(config.keys().status("org-" + (i % 5), "nist-800-53-r5"), "ac-" + i)).as("ac-" + i).contains("\"recordId\":\"r-" + i + "\"");
        }
        assertThat(redis.hget(config.keys().score("globex", "nist-800-53-r5"), "score")).isNotNull();
        assertThat(redis.exists(config.keys().score("acme", "nist-800-53-r5"))).isZero();

        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (var c = kafka.kafka.consumer("it-dlq-reader-" + run, "dlq", Topics.SINK_CACHE_DLQ, Map.of())) {
            c.subscribe(List.of(Topics.SINK_CACHE_DLQ.name()));
            long deadline = System.currentTimeMillis() + 30_000;
            while (dead.size() < 3 && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    String source = header(r, DeadLetterHeaders.SOURCE_TOPIC);
                    if (config.topics().contains(source)) dead.add(r);
                });
            }
        }
        assertThat(dead).hasSize(3);
        assertThat(dead).filteredOn(r -> config.controlStatusTopic().equals(header(r, DeadLetterHeaders.SOURCE_TOPIC)))
                .hasSize(2).allSatisfy(r -> {
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).startsWith("broken/");
                    assertThat(header(r, DeadLetterHeaders.STAGE)).isEqualTo(CacheSink.NAME);
                    assertThat(header(r, DeadLetterHeaders.REASON)).startsWith("WRONGTYPE").contains("{broken/nist-800-53-r5}:status");
                    assertThat(Topics.CONTROL_STATUS.valueSerde().deserializer().deserialize("t", r.value()).getOrgId()).isEqualTo("broken");
                });
        assertThat(dead).filteredOn(r -> config.scoresTopic().equals(header(r, DeadLetterHeaders.SOURCE_TOPIC))).singleElement()
                .satisfies(r -> {
                    assertThat(header(r, DeadLetterHeaders.ERROR_CLASS)).isEqualTo(IllegalArgumentException.class.getName());
                    assertThat(header(r, DeadLetterHeaders.REASON)).contains("not a finite number: NaN");
                });
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
