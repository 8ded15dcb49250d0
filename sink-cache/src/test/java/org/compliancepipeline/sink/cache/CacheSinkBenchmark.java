package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Updates/s from Kafka into Redis through sink-cache and, in the same run, on the same Redis server,
 * its raw pipelined limit: {@code redis-benchmark -P 16 -t set,hset} (the HSET figure is the limit).
 *
 * <p>An <b>update</b> is one consumed Kafka message, in the mix the stream processor writes: per
 * assessment one enriched record and one control status, and a score every fourth assessment (4:4:1).
 * An enriched record costs one {@code SET ... PXAT}; the control statuses of one (org, framework) in a
 * batch cost one {@code EVALSHA status.lua} together; the scores of one (org, framework) one
 * {@code EVALSHA score.lua}, and those of one framework one {@code EVALSHA leaderboard.lua} (which also
 * writes the stream entry and the channel message). About one status in ten arrives out of order (older
 * than what Redis holds) and changes nothing, as in a real replayed or late stream.
 *
 * <p>Before the measured run, {@code --warmup} updates (default 300,000; 0 = none) go through a sink over other topics
 * and keys in the same JVM, unmeasured, so that the figure is the running sink's and not the JIT's.
 *
 * <pre>bin/bench sink-cache [--records 1000000] [--warmup 300000] [--batch 5000] [--consumers 1] [--orgs 200] [--controls 300] [--redis dedicated|shared]</pre>
 */
public final class CacheSinkBenchmark {
    private static final Pattern RPS = Pattern.compile("(SET|HSET): ([0-9.]+) requests per second");

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "1000000"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "5000"));
        int consumers = Integer.parseInt(opts.getOrDefault("consumers", "1"));
        int orgs = Integer.parseInt(opts.getOrDefault("orgs", "200"));
        int controls = Integer.parseInt(opts.getOrDefault("controls", "300"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "300000"));
        boolean dedicated = !"shared".equals(opts.getOrDefault("redis", "dedicated"));
        Infra infra = RealInfraExtension.infra();
        String run = UUID.randomUUID().toString().substring(0, 8);

        DedicatedInfra own = dedicated ? DedicatedInfra.launch(Component.REDIS) : null;
        Infra redisInfra = own != null ? own.infra() : infra;
        RedisClient admin = RedisClient.create(redisInfra.redisUri());
        try (KafkaHarness kafka = new KafkaHarness(infra.kafkaBootstrapServers());
             StatefulRedisConnection<String, String> redis = admin.connect()) {
            Map<String, String> env = new HashMap<>(redisInfra.asEnvironment());
            env.put("CACHE_KEY_PREFIX", "bench:" + run + ":");
            env.put("TOPIC_ENRICHED", "bench.enriched." + run);
            env.put("TOPIC_CONTROL_STATUS", "bench.control-status." + run);
            env.put("TOPIC_SCORES", "bench.scores." + run);
            CacheSinkConfig config = CacheSinkConfig.fromEnv(new Env(env));
            kafka.createTopics(config, 12);

            System.out.printf("producing %,d updates (enriched : status : score = 4 : 4 : 1, %d orgs x 2 frameworks x %d controls)...%n",
                    records, orgs, controls);
            long p0 = System.nanoTime();
            Map<String, Long> kinds = produce(kafka, config, records, orgs, controls);
            System.out.printf("produced in %.1f s: %s%n", (System.nanoTime() - p0) / 1e9, kinds);

            SinkConfig sinkConfig = new SinkConfig(CacheSink.NAME, "bench-" + run, config.topics(), Topics.SINK_CACHE_DLQ.name(),
                    consumers, batch, 64L << 20, Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(30), batch);

            // 0. Warm-up, not measured: the same code over other topics and keys, so that the measured run is not
            //    also paying for the JIT compiling it (a running sink has done that long ago).
            if (warmup > 0) {
                Map<String, String> warmEnv = new HashMap<>(env);
                warmEnv.put("CACHE_KEY_PREFIX", "bench:" + run + ":warm:");
                warmEnv.put("TOPIC_ENRICHED", "bench.enriched.warm-" + run);
                warmEnv.put("TOPIC_CONTROL_STATUS", "bench.control-status.warm-" + run);
                warmEnv.put("TOPIC_SCORES", "bench.scores.warm-" + run);
                CacheSinkConfig warm = CacheSinkConfig.fromEnv(new Env(warmEnv));
                kafka.createTopics(warm, 12);
                produce(kafka, warm, warmup, orgs, controls);
                SimpleMeterRegistry warmRegistry = new SimpleMeterRegistry();
                long w0 = System.nanoTime();
                try (CacheSink sink = CacheSink.start(new SinkConfig(CacheSink.NAME, "bench-warm-" + run, warm.topics(), Topics.SINK_CACHE_DLQ.name(),
                        consumers, batch, 64L << 20, Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(30), batch),
                        warm, kafka.kafka, warmRegistry)) {
                    var written = warmRegistry.get("sink.records.written").counter();
                    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
                    while (written.count() < warmup) {
                        if (System.nanoTime() > deadline) throw new IllegalStateException("warm-up: only " + written.count() + " of " + warmup + " updates written");
                        TimeUnit.MILLISECONDS.sleep(20);
                    }
                }
                RedisState.delete(redis.sync(), warm.keyPrefix());
                kafka.deleteTopics(warm);
                System.out.printf("warm-up (not measured): %,d updates in %.1f s%n", warmup, (System.nanoTime() - w0) / 1e9);
            }

            // 1. The sink: from its first write until every update is stored.
            Map<String, long[]> before = commandStats(redis);
            double redisCpu0 = redisCpuSeconds(redis);
            Map<String, Long> threads0 = threadCpuTicks();
            long jvmCpu0 = jvmCpuNanos();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            double seconds;
            try (CacheSink sink = CacheSink.start(sinkConfig, config, kafka.kafka, registry)) {
                var written = registry.get("sink.records.written").counter();
                while (written.count() == 0) TimeUnit.MILLISECONDS.sleep(5);
                long s0 = System.nanoTime();
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
                while (written.count() < records) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("only " + written.count() + " of " + records + " updates written in 30 minutes");
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                seconds = (System.nanoTime() - s0) / 1e9;
            }
            double jvmCpuSeconds = (jvmCpuNanos() - jvmCpu0) / 1e9;
            double redisCpuSeconds = redisCpuSeconds(redis) - redisCpu0;
            Map<String, Long> threads1 = threadCpuTicks();
            threads1.forEach((name, ticks) -> {
                long d = ticks - threads0.getOrDefault(name, 0L);
                if (d > 10) System.out.printf("  thread %-28s %6.2f s cpu%n", name, d / 100.0);
            });
            Map<String, long[]> after = commandStats(redis);
            Map<String, long[]> delta = new java.util.TreeMap<>();
            after.forEach((cmd, v) -> {
                if (cmd.matches("info|config|ping|hello|auth|client|command|select")) return;
                long[] b = before.getOrDefault(cmd, new long[2]);
                if (v[0] > b[0]) delta.put(cmd, new long[]{v[0] - b[0], v[1] - b[1]});
            });
            long serverCommands = delta.values().stream().mapToLong(v -> v[0]).sum();
            // evalsha's usec include the commands its script runs; the others are top-level calls only
            long busyMicros = delta.entrySet().stream().filter(e -> e.getKey().matches("evalsha|set|eval|script\\|load"))
                    .mapToLong(e -> e.getValue()[1]).sum();
            delta.forEach((cmd, v) -> System.out.printf("  redis %-12s %,10d calls %,10d us (%.1f us/call)%n", cmd, v[0], v[1], (double) v[1] / v[0]));
            double clientCommands = registry.get("sink.cache.redis.commands").counter().count();
            double rate = records / seconds;
            Timer write = registry.get("sink.write").timer();
            double p50 = percentile(write, 0.5), p99 = percentile(write, 0.99);
            verify(registry, kinds);
            System.out.printf("sink: %,d updates in %.2f s = %,.0f updates/s; %,.0f client commands/s, %,.0f server commands/s (incl. inside scripts); batch write p50 %.1f ms, p99 %.1f ms%n",
                    records, seconds, rate, clientCommands / seconds, serverCommands / seconds, p50, p99);
            System.out.printf("cpu per update: sink JVM %.1f us, Redis %.1f us (machine load while measuring: %.1f)%n",
                    jvmCpuSeconds * 1e6 / records, redisCpuSeconds * 1e6 / records, loadAverage());

            // 2. The limit: redis-benchmark, pipelined by 16, on the same server.
            Map<String, Double> limit = redisBenchmark(redisInfra, records);
            double hset = limit.get("HSET"), set = limit.get("SET");
            System.out.printf("redis-benchmark -P 16: SET %,.0f/s, HSET %,.0f/s; ratio updates/s : HSET/s = %.2f%n", set, hset, rate / hset);

            new BenchReport("sink-cache", System.getProperty("pipeline.bench.command", "bin/bench sink-cache"))
                    .rate(rate, "updates/s").limitRate(hset)
                    .latency("p50", p50).latency("p99", p99)
                    .figure("latency_of", "one batch write (every command of the batch pipelined, one flush, all replies awaited)")
                    .figure("update", "one consumed Kafka message: enriched record -> 1 SET PXAT; control status -> its share of one EVALSHA status.lua per (org, framework) per batch; score -> its share of one EVALSHA score.lua per (org, framework) and one EVALSHA leaderboard.lua per framework per batch (stream entry + channel message inside)")
                    .figure("limit", "redis-benchmark -P 16 -t set,hset -n " + records + " -q on the same server (the HSET figure; SET reported too)")
                    .figure("limit_set_rate", set).figure("limit_hset_rate", hset)
                    .figure("client_commands_per_s", clientCommands / seconds)
                    .figure("server_commands_per_s", serverCommands / seconds)
                    .figure("redis_busy_share", busyMicros / 1e6 / seconds)
                    .figure("sink_jvm_cpu_us_per_update", jvmCpuSeconds * 1e6 / records)
                    .figure("redis_cpu_us_per_update", redisCpuSeconds * 1e6 / records)
                    .figure("load_average_after", loadAverage())
                    .figure("updates_per_client_command", records / clientCommands)
                    .figure("records", records).figure("mix", kinds).figure("orgs", orgs).figure("frameworks", 2).figure("controls", controls)
                    .figure("batch_records", batch).figure("consumers", consumers)
                    .figure("redis", (dedicated ? "dedicated" : "shared") + " redis-server " + serverVersion(redis) + ", appendonly yes, appendfsync everysec")
                    .figure("rate_measured", warmup > 0
                            ? "from the sink's first write to the last (excludes the consumer group join), after a warm-up of " + warmup + " updates through the same code in the same JVM (other topics and keys, not measured)"
                            : "from the sink's first write to the last (excludes the consumer group join), no warm-up (the JIT compiles during the run)")
                    .figure("warmup_updates", warmup)
                    .figure("goal_ratio", 0.4)
                    .write();
            RedisState.delete(redis.sync(), config.keyPrefix());
        } finally {
            admin.shutdown();
            if (own != null) own.close();
        }
    }

    /** Writes the stream; returns how many of each kind. */
    private static Map<String, Long> produce(KafkaHarness kafka, CacheSinkConfig config, int records, int orgs, int controls) {
        Random random = new Random(1);
        Instant t0 = Instant.now().minus(Duration.ofHours(2));
        long enriched = 0, statuses = 0, scores = 0;
        try (KafkaProducer<String, byte[]> p = kafka.kafka.producer("bench-producer", new Topic<>("any", Serdes.String(), Serdes.ByteArray(), 1, Map.of()))) {
            long sent = 0;
            for (long a = 0; sent < records; a++) {
                String org = "org-" + (a % orgs);
                String fw = Workload.FRAMEWORKS.get((int) ((a / orgs) % 2));
                String control = "ac-" + ((a / (orgs * 2L)) % controls + 1);
                boolean late = random.nextInt(10) == 0; // older than the version Redis holds: changes nothing
                Instant observedAt = t0.plusMillis(a * 3 - (late ? 3_600_000 : 0));
                ControlStatus s = ControlStatus.newBuilder().setOrgId(org).setFramework(fw).setControlId(control)
                        .setStatus(ComplianceStatus.values()[random.nextInt(5)]).setObservedAt(observedAt).setRecordId("rec-" + a)
                        .setFamily("ac").setWeight(1 + random.nextInt(3)).setUpdatedAt(observedAt.plusMillis(200)).build();
                EnrichedRecord e = Workload.enriched(s, Instant.now(), random);
                p.send(new ProducerRecord<>(config.enrichedTopic(), org, AvroSerdes.ENRICHED_RECORD.serialize(config.enrichedTopic(), e)));
                enriched++;
                if (++sent == records) break;
                p.send(new ProducerRecord<>(config.controlStatusTopic(), Keys.controlStatus(org, fw, control),
                        AvroSerdes.CONTROL_STATUS.serialize(config.controlStatusTopic(), s)));
                statuses++;
                if (++sent == records) break;
                if (a % 4 == 3) {
                    ComplianceScore score = Workload.score(org, fw, t0.plusMillis(a * 3), random);
                    p.send(new ProducerRecord<>(config.scoresTopic(), Keys.score(org, fw), AvroSerdes.COMPLIANCE_SCORE.serialize(config.scoresTopic(), score)));
                    scores++;
                    ++sent;
                }
            }
            p.flush();
        }
        return Map.of("enriched", enriched, "control_status", statuses, "scores", scores);
    }

    /** Every update was accounted for: each enriched record stored, each status and score applied or found older. */
    private static void verify(SimpleMeterRegistry registry, Map<String, Long> kinds) {
        double recordsStored = updates(registry, "record", "applied");
        double statuses = updates(registry, "status", "applied") + updates(registry, "status", "unchanged");
        double scores = updates(registry, "score", "applied") + updates(registry, "score", "unchanged");
        if (recordsStored != kinds.get("enriched") || statuses != kinds.get("control_status") || scores != kinds.get("scores")) {
            throw new IllegalStateException("not every update reached Redis: records " + recordsStored + ", statuses " + statuses + ", scores " + scores + " of " + kinds);
        }
        System.out.printf("checked: %,.0f records stored; statuses %,.0f applied, %,.0f older; scores %,.0f applied%n", recordsStored,
                updates(registry, "status", "applied"), updates(registry, "status", "unchanged"), updates(registry, "score", "applied"));
    }

    private static double updates(SimpleMeterRegistry registry, String kind, String result) {
        return registry.get("sink.cache.updates").tags("kind", kind, "result", result).counter().count();
    }

    /** Per command: calls and microseconds spent, from INFO commandstats ({@code cmdstat_hset:calls=123,usec=456,...}). */
    private static Map<String, long[]> commandStats(StatefulRedisConnection<String, String> redis) {
        Map<String, long[]> out = new HashMap<>();
        for (String line : redis.sync().info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) continue;
            String name = line.substring(8, line.indexOf(':'));
            out.put(name, new long[]{field(line, "calls="), field(line, "usec=")});
        }
        return out;
    }

    private static long field(String line, String name) {
        int at = line.indexOf(name) + name.length();
        int end = line.indexOf(',', at);
        return Long.parseLong(line.substring(at, end < 0 ? line.length() : end));
    }

    /** CPU of this JVM: the sink's consumer loops, Lettuce's I/O threads, Kafka's fetcher (the producer is done by then). */
    private static long jvmCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double redisCpuSeconds(StatefulRedisConnection<String, String> redis) {
        double total = 0;
        for (String line : redis.sync().info("cpu").split("\r?\n")) {
            if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) total += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        }
        return total;
    }

    /** CPU ticks (1/100 s) per thread name of this process, JIT and GC threads included (from /proc). */
    private static Map<String, Long> threadCpuTicks() {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (var tasks = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/task"))) {
            for (var task : tasks.toList()) {
                try {
                    String stat = java.nio.file.Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    out.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
                } catch (IOException | RuntimeException ignored) {
                    // thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static String serverVersion(StatefulRedisConnection<String, String> redis) {
        return redis.sync().info("server").lines().filter(l -> l.startsWith("redis_version:")).map(l -> l.substring(14).trim()).findFirst().orElse("?");
    }

    private static Map<String, Double> redisBenchmark(Infra redis, int requests) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("redis-benchmark", "-h", redis.redisHost(), "-p", String.valueOf(redis.redisPort()),
                "-a", redis.redisPassword(), "-P", "16", "-t", "set,hset", "-n", String.valueOf(requests), "-q", "--dbnum", "15")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("redis-benchmark failed:\n" + out);
        Map<String, Double> rates = new HashMap<>();
        Matcher m = RPS.matcher(out);
        while (m.find()) rates.put(m.group(1), Double.parseDouble(m.group(2)));
        if (!rates.containsKey("SET") || !rates.containsKey("HSET")) throw new IllegalStateException("cannot read redis-benchmark's output:\n" + out);
        RedisClient client = RedisClient.create(redis.redisUri());
        try (var c = client.connect()) {
            c.sync().select(15);
            c.sync().del("key:__rand_int__", "myhash");
        } finally {
            client.shutdown();
        }
        return rates;
    }

    private static double percentile(Timer timer, double p) {
        for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
            if (v.percentile() == p) return v.value(TimeUnit.MILLISECONDS);
        }
        return Double.NaN;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        return out;
    }
}
