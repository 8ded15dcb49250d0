package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis restarted, its script cache flushed or killed in the middle of a stream (a Redis of the test's
 * own), and the sink process killed with -9: afterwards Redis holds exactly the expected state.
 */
@RealInfra
class CacheSinkFaultsIT {
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private KafkaHarness kafka;

    @BeforeEach
    void setUp(Infra infra) {
        kafka = new KafkaHarness(infra.kafkaBootstrapServers());
    }

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private CacheSinkConfig config(Infra redisInfra, String name) {
        Map<String, String> env = new HashMap<>(redisInfra.asEnvironment());
        env.put("CACHE_KEY_PREFIX", "it:" + run + ":" + name + ":");
        env.put("TOPIC_ENRICHED", "it.enriched." + run + "." + name);
        env.put("TOPIC_CONTROL_STATUS", "it.control-status." + run + "." + name);
        env.put("TOPIC_SCORES", "it.scores." + run + "." + name);
        CacheSinkConfig c = CacheSinkConfig.fromEnv(new Env(env));
        assertThat(c.problems()).isEmpty();
        return c;
    }

    private static long keys(RedisClient client) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return c.sync().dbsize();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static Map<String, Object> state(RedisClient client, String prefix) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return RedisState.state(c.sync(), prefix);
        }
    }

    @Test
    void redisStoppedAndStartedAgainMidStreamAndItsScriptsFlushedLoseNothing() throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.REDIS)) {
            Infra redisInfra = own.infra();
            RedisClient reader = RedisClient.create(redisInfra.redisUri());
            CacheSinkConfig config = config(redisInfra, "restart");
            kafka.createTopics(config, 3);
            Workload w = new Workload(50, 12, 30, 4, Instant.now());
            var input = w.shuffled(51, 0.2);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            CompletableFuture<Void> producing = kafka.produceSlowly(config, input, 50, 150);
            try (CacheSink sink = CacheSink.start(KafkaHarness.sinkConfig(config, "it-restart-" + run, 200), config, kafka.kafka, registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> keys(reader) > 300);

                // The script cache goes (SCRIPT FLUSH): the next calls get NOSCRIPT, the writer loads the scripts again.
                try (StatefulRedisConnection<String, String> c = reader.connect()) {
                    c.sync().scriptFlush();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> registry.get("sink.cache.script.loads").tag("reason", "noscript").counter().count() >= 1);

                // Redis stops (SIGTERM: it writes its AOF and exits) while records keep coming.
                long before = keys(reader);
                own.stop(Component.REDIS);
                assertThat(producing).isNotDone();
                await().atMost(Duration.ofSeconds(30)).until(() -> !sink.health().check().ready());
                assertThat(sink.health().check().detail()).contains("writes failing");

                own.start(Component.REDIS);
                assertThat(keys(reader)).as("what was acknowledged before the stop is still there").isGreaterThanOrEqualTo(before);
                producing.get(2, TimeUnit.MINUTES);
                kafka.awaitCaughtUp("it-restart-" + run, config.topics(), Duration.ofMinutes(2));
                await().atMost(Duration.ofSeconds(30)).until(() -> sink.health().check().ready());

                assertThat(state(reader, config.keyPrefix())).isEqualTo(w.expectedState());
                assertThat(registry.get("sink.cache.redis.connects").counter().count()).isGreaterThanOrEqualTo(2);
                assertThat(registry.get("sink.write.retries").counter().count()).isPositive();
            } finally {
                reader.shutdown();
            }
        }
    }

    /**
     * kill -9 of Redis. With the local default {@code appendfsync everysec} Redis may lose the writes of
     * the last second before a crash, acknowledged or not (README "Durability"); with
     * {@code appendfsync always} an acknowledged write is on disk, and since the sink commits offsets
     * only after Redis acknowledged, nothing is lost: that is what this test checks.
     */
    @Test
    void redisKilledWithMinus9MidStreamLosesNothingWhenItFsyncsEveryWrite() throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.REDIS)) {
            Infra redisInfra = own.infra();
            RedisClient reader = RedisClient.create(redisInfra.redisUri());
            try (StatefulRedisConnection<String, String> c = reader.connect()) {
                c.sync().configSet("appendfsync", "always");
            }
            CacheSinkConfig config = config(redisInfra, "kill");
            kafka.createTopics(config, 3);
            Workload w = new Workload(60, 12, 30, 4, Instant.now());
            CompletableFuture<Void> producing = kafka.produceSlowly(config, w.shuffled(61, 0.2), 50, 150);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (CacheSink sink = CacheSink.start(KafkaHarness.sinkConfig(config, "it-kill-" + run, 200), config, kafka.kafka, registry)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> keys(reader) > 500);
                own.kill(Component.REDIS);
                Thread.sleep(3_000);
                assertThat(producing).isNotDone();
                own.start(Component.REDIS);

                producing.get(2, TimeUnit.MINUTES);
                kafka.awaitCaughtUp("it-kill-" + run, config.topics(), Duration.ofMinutes(2));
                assertThat(state(reader, config.keyPrefix())).isEqualTo(w.expectedState());
                assertThat(registry.get("sink.cache.redis.connects").counter().count()).isGreaterThanOrEqualTo(2);
            } finally {
                reader.shutdown();
            }
        }
    }

    @Test
    void theSinkProcessKilledWithMinus9MidStreamThenRestartedLeavesExactlyTheExpectedState(Infra infra) throws Exception {
        CacheSinkConfig config = config(infra, "process");
        kafka.createTopics(config, 6);
        Workload w = new Workload(70, 16, 40, 4, Instant.now());
        String group = "it-process-" + run;
        RedisClient reader = RedisClient.create(infra.redisUri());
        int opsPort = freePort();
        CompletableFuture<Void> producing = kafka.produceSlowly(config, w.shuffled(71, 0.2), 100, 250);
        try {
            Process first = startSinkProcess(infra, config, group, opsPort, "first");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> ready(opsPort));
                await().atMost(Duration.ofSeconds(60)).until(() -> count(reader, config.keyPrefix()) > 1_000);
            } finally {
                first.destroyForcibly();   // SIGKILL: no shutdown hook, no final commit
                first.waitFor();
            }
            assertThat(producing).isNotDone();
            Process second = startSinkProcess(infra, config, group, opsPort, "second");
            try {
                producing.get(2, TimeUnit.MINUTES);
                kafka.awaitCaughtUp(group, config.topics(), Duration.ofMinutes(2));
                assertThat(ready(opsPort)).isTrue();
                try (StatefulRedisConnection<String, String> c = reader.connect()) {
                    assertThat(RedisState.state(c.sync(), config.keyPrefix())).isEqualTo(w.expectedState());
                }
                String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("sink_cache_updates_total{").contains("sink_records_written_total{");
            } finally {
                second.destroy();          // SIGTERM: graceful
                second.waitFor();
            }
        } finally {
            try (StatefulRedisConnection<String, String> c = reader.connect()) {
                RedisState.delete(c.sync(), config.keyPrefix());
            }
            reader.shutdown();
        }
    }

    private static long count(RedisClient client, String prefix) {
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return RedisState.keys(c.sync(), prefix).size();
        }
    }

    private static boolean ready(int port) {
        try {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private Process startSinkProcess(Infra infra, CacheSinkConfig config, String group, int opsPort, String name) throws Exception {
        String classpath = "target/classes" + File.pathSeparator + Files.readString(Path.of("target/classpath.txt")).trim();
        Path log = Path.of("target", "sink-process-" + run + "-" + name + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx384m", "--enable-native-access=ALL-UNNAMED", "-cp", classpath, SinkCacheMain.class.getName())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        env.putAll(infra.asEnvironment());
        env.put("CACHE_KEY_PREFIX", config.keyPrefix());
        env.put("TOPIC_ENRICHED", config.enrichedTopic());
        env.put("TOPIC_CONTROL_STATUS", config.controlStatusTopic());
        env.put("TOPIC_SCORES", config.scoresTopic());
        env.put("SINK_GROUP_ID", group);
        env.put("SINK_BATCH_RECORDS", "500");
        env.put("SINK_LINGER", "50ms");
        env.put("OPS_PORT", String.valueOf(opsPort));
        return pb.start();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

}
