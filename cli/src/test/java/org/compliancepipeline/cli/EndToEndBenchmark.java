package org.compliancepipeline.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.compliancepipeline.cli.load.ElasticsearchProbe;
import org.compliancepipeline.cli.load.HttpSender;
import org.compliancepipeline.cli.load.LatencyWatcher;
import org.compliancepipeline.cli.load.LoadRun;
import org.compliancepipeline.cli.load.PostgresProbe;
import org.compliancepipeline.cli.load.RecordStream;
import org.compliancepipeline.cli.load.RedisProbe;
import org.compliancepipeline.cli.load.StoreProbe;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.testkit.BenchReport;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * {@code bin/bench end-to-end [--start-rate 1000] [--step-factor 1.5] [--step-seconds 25] [--max-steps 8]
 * [--latency-seconds 45] [--limit-records 100000] [--clients 8] [--batch 500]}: the whole pipeline as processes
 * ({@code bin/pipeline up}: ingest API, stream processor, the three sinks), fed over HTTP by the load generator.
 *
 * <ol>
 *   <li>Sustained rate: the offered rate steps up by {@code step-factor}; a step holds when the ingest API takes
 *       at least 95% of it, nothing fails, and at the end of the step the consumer-group lag of the stream processor
 *       and of every sink is below 3 seconds' worth of the offered input (and drains within a minute afterwards).
 *       The highest step that held, refined once between it and the first that did not, is the sustained rate.</li>
 *   <li>Latency at half that rate: 1 in N fresh records is polled in PostgreSQL, Elasticsearch (a search through
 *       the alias) and Redis until visible; p50/p99 from the send of its request, per store and until all three.</li>
 *   <li>Limit: the ingest API's own maximum in the same run (closed loop, {@code limit-records} records), with the
 *       rest of the pipeline running beside it.</li>
 * </ol>
 * Services this run started are stopped at the end (by PID); the infrastructure and anything already running stay.
 */
public final class EndToEndBenchmark {
    /** Each consumer group and the topics whose lag counts (a group may keep stale offsets of topics it no longer reads). */
    static final Map<String, Set<String>> GROUP_TOPICS = new LinkedHashMap<>();
    static {
        Set<String> sinkInputs = Set.of(Topics.ENRICHED.name(), Topics.CONTROL_STATUS.name(), Topics.SCORES.name(), Topics.STATS_HOURLY.name());
        GROUP_TOPICS.put("compliance-stream-processor", Set.of(Topics.RECORDS.name()));
        GROUP_TOPICS.put("sink-timescale", sinkInputs);
        GROUP_TOPICS.put("sink-search", sinkInputs);
        GROUP_TOPICS.put("sink-cache", sinkInputs);
    }
    static final List<String> GROUPS = List.copyOf(GROUP_TOPICS.keySet());
    static final double LAG_SECONDS = 3.0;

    private final Path root;
    private final Env env;
    private final Map<String, String> options;
    private final KafkaClients kafka;
    private final Admin admin;
    private final List<String> orgs;
    private final List<String> controls;
    private final String apiKey;
    private final URI api = URI.create("http://127.0.0.1:8080");
    private long seed = 1;

    EndToEndBenchmark(Path root, Env env, Map<String, String> options) throws Exception {
        this.root = root;
        this.env = env;
        this.options = options;
        this.kafka = new KafkaClients(KafkaConfig.fromEnv(env), new SimpleMeterRegistry());
        this.admin = kafka.admin("bench-end-to-end");
        OrganizationFile.Result o = OrganizationFile.read(root.resolve("reference-data/orgs/sample-orgs.json"));
        this.orgs = o.organizations().stream().filter(org -> org.getFrameworks().contains("nist-800-53-r5")).map(Organization::getOrgId).toList();
        this.controls = OscalCatalog.read(root.resolve("reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json"),
                OscalCatalog.Options.defaults("nist-800-53-r5")).controls().stream().map(ControlDefinition::getControlId).toList();
        Path secrets = root.resolve(".local/secrets");
        Path key = Files.exists(secrets.resolve("load-api-key")) ? secrets.resolve("load-api-key") : secrets.resolve("demo-api-key");
        this.apiKey = Files.readString(key).trim();
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        Path root = Path.of(System.getProperty("pipeline.root", ".")).toAbsolutePath().normalize();
        String command = System.getProperty("pipeline.bench.command", "bin/bench end-to-end");

        Set<String> runningBefore = Services.alive(root);
        log("services already running: " + (runningBefore.isEmpty() ? "none" : String.join(", ", runningBefore)));
        try {
            run(root, List.of("bin/pipeline", "up"));
            log("started by this run: " + startedSince(root, runningBefore));
            int code = PipelineCli.execute(Env.system(), new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                    "reference", "load-catalog", "--file", root.resolve("reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json").toString(),
                    "--framework", "nist-800-53-r5", "--baseline", "MODERATE");
            if (code == 0) code = PipelineCli.execute(Env.system(), new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                    "reference", "load-orgs", "--file", root.resolve("reference-data/orgs/sample-orgs.json").toString());
            if (code != 0) throw new IllegalStateException("loading the reference data failed (" + code + ")");
            Thread.sleep(3000); // the stream processor's global tables and the API's key reload pick them up
            new EndToEndBenchmark(root, Env.system(), o).measure(command);
        } finally {
            Services.stop(root, startedSince(root, runningBefore));
        }
    }

    private static Set<String> startedSince(Path root, Set<String> before) throws Exception {
        Set<String> started = new java.util.TreeSet<>(Services.alive(root));
        started.removeAll(before);
        return started;
    }

    record Step(double offered, double achieved, long failed, Map<String, Long> endLag, Map<String, Long> maxLag, boolean drained, boolean held) { }

    void measure(String command) throws Exception {
        double rate = num("start-rate", 1000);
        double factor = num("step-factor", 1.5);
        int stepSeconds = (int) num("step-seconds", 25);
        int maxSteps = (int) num("max-steps", 8);
        int latencySeconds = (int) num("latency-seconds", 45);
        long limitRecords = (long) num("limit-records", 100_000);

        waitDrained(Duration.ofSeconds(120), 2000);
        List<Step> steps = new ArrayList<>();
        double held = 0, failedAt = Double.NaN;
        for (int i = 0; i < maxSteps; i++) {
            Step s = step(rate, stepSeconds);
            steps.add(s);
            if (!s.held()) { failedAt = rate; break; }
            held = rate;
            rate = Math.round(rate * factor);
        }
        if (held > 0 && !Double.isNaN(failedAt)) {
            double middle = Math.round((held + failedAt) / 2);
            Step s = step(middle, stepSeconds);
            steps.add(s);
            if (s.held()) held = middle;
        }
        if (held == 0) throw new IllegalStateException("not even " + num("start-rate", 1000) + " records/s held: lower --start-rate");
        log(String.format(Locale.ROOT, "sustained rate: %.0f records/s", held));

        double latencyRate = held / 2;
        log(String.format(Locale.ROOT, "latency at %.0f records/s for %d s", latencyRate, latencySeconds));
        int sampleEvery = (int) Math.max(1, Math.round(latencyRate * latencySeconds / 1500));
        List<LatencyWatcher.StoreLatency> latency;
        LoadRun.Result latencyRun;
        try (LatencyWatcher watcher = new LatencyWatcher(probes(), Duration.ofMillis(20))) {
            latencyRun = load(latencyRate, Duration.ofSeconds(latencySeconds), 0, sampleEvery, watcher);
            latency = watcher.finish(Duration.ofSeconds(60));
            watcher.errors().forEach((store, e) -> log(store + ": " + e));
        }
        latency.forEach(l -> log(String.format(Locale.ROOT, "  %-13s p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d seen)",
                l.store(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.seen(), l.samples())));

        waitDrained(Duration.ofSeconds(60), 2000);
        log("limit: the ingest API's maximum, closed loop, " + limitRecords + " records");
        LoadRun.Result limit = load(10_000_000, null, limitRecords, 0, null);
        log(String.format(Locale.ROOT, "ingest API maximum: %.0f records/s", limit.achievedRate()));

        BenchReport report = new BenchReport("end-to-end", command).rate(held, "records/s").limitRate(limit.achievedRate());
        Map<String, LatencyWatcher.StoreLatency> byStore = latency.stream().collect(Collectors.toMap(LatencyWatcher.StoreLatency::store, Function.identity()));
        LatencyWatcher.StoreLatency all = byStore.get("all");
        report.latency("p50", all.p50Ms()).latency("p99", all.p99Ms()).latency("max", all.maxMs());
        for (String store : List.of("postgresql", "elasticsearch", "redis")) {
            LatencyWatcher.StoreLatency l = byStore.get(store);
            report.latency(store + "_p50", l.p50Ms()).latency(store + "_p99", l.p99Ms()).latency(store + "_max", l.maxMs());
        }
        report.figure("limit_source", "ingest API maximum in this run: closed loop, " + (int) num("clients", 8) + " clients, batches of "
                        + (int) num("batch", 500) + ", " + limitRecords + " records, with the stream processor and the sinks running beside it")
                .figure("sustained_criterion", "ingest takes >= 95% of the offered rate, no failed records, and at the end of a "
                        + stepSeconds + " s step the lag of " + String.join(", ", GROUPS) + " is below " + LAG_SECONDS
                        + " s of offered input and drains within 60 s")
                .figure("latency_rate", latencyRun.achievedRate())
                .figure("latency_seconds", latencySeconds)
                .figure("latency_from", "the send of the record's HTTP request to the first poll (every 20 ms) that sees it: PostgreSQL compliance_records by record_id, an ids search on the Elasticsearch alias compliance-records, Redis EXISTS cp:rec:{recordId}; p50/p99 are until visible in all three")
                .figure("latency_samples", all.samples())
                .figure("latency_missing", latency.stream().mapToLong(LatencyWatcher.StoreLatency::missing).max().orElse(0))
                .figure("ingest_max_rate", limit.achievedRate())
                .figure("stream_mix", "7 organisations adopting nist-800-53-r5 (Zipf 1.1) x 287 controls, status change 5%, duplicates 2%, late 2%, invalid 1%")
                .figure("steps", steps.stream().map(s -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("offered", Math.round(s.offered()));
                    m.put("achieved", Math.round(s.achieved()));
                    m.put("failed", s.failed());
                    m.put("held", s.held());
                    m.put("end_lag", s.endLag());
                    m.put("max_lag", s.maxLag());
                    return m;
                }).toList());
        report.write();
        waitDrained(Duration.ofSeconds(120), 2000);
    }

    private Step step(double rate, int seconds) throws Exception {
        log(String.format(Locale.ROOT, "step: %.0f records/s for %d s", rate, seconds));
        Map<String, Long> maxLag = new LinkedHashMap<>();
        Map<String, Long> lastLag = new LinkedHashMap<>();
        LoadRun.Result[] result = new LoadRun.Result[1];
        Exception[] failure = new Exception[1];
        Thread loader = Thread.ofPlatform().name("bench-load").start(() -> {
            try {
                result[0] = load(rate, Duration.ofSeconds(seconds), 0, 0, null);
            } catch (Exception e) {
                failure[0] = e;
            }
        });
        while (loader.isAlive()) {
            loader.join(2000);
            Map<String, Long> lag = lags();
            lag.forEach((g, l) -> maxLag.merge(g, l, Math::max));
            lastLag.clear();
            lastLag.putAll(lag);
        }
        if (failure[0] != null) throw failure[0];
        LoadRun.Result r = result[0];
        long bound = (long) (rate * LAG_SECONDS);
        boolean lagOk = lastLag.values().stream().allMatch(l -> l <= bound);
        boolean rateOk = r.achievedRate() >= 0.95 * rate && r.counters().failed.sum() == 0;
        boolean drained = waitDrained(Duration.ofSeconds(60), Math.max(2000, (long) (rate / 2)));
        boolean held = lagOk && rateOk && drained;
        log(String.format(Locale.ROOT, "  achieved %.0f records/s, failed %d, lag at end %s (bound %d), max %s, drained %s: %s",
                r.achievedRate(), r.counters().failed.sum(), lastLag, bound, maxLag, drained, held ? "HELD" : "not held"));
        return new Step(rate, r.achievedRate(), r.counters().failed.sum(), Map.copyOf(lastLag), Map.copyOf(maxLag), drained, held);
    }

    private LoadRun.Result load(double rate, Duration duration, long count, int sampleEvery, LatencyWatcher watcher) throws InterruptedException {
        int clients = (int) num("clients", 8);
        int batch = (int) num("batch", 500);
        RecordStream stream = new RecordStream(new RecordStream.Options(orgs, "nist-800-53-r5", controls, 1.1, 0.05, 0.02, 0.02, 0.01,
                seed++, "e2e-" + Long.toString(System.currentTimeMillis(), 36)));
        try (HttpSender sender = new HttpSender(api, apiKey, Duration.ofSeconds(30))) {
            return new LoadRun(stream, sender, new LoadRun.Plan(rate, duration, count, batch, clients, sampleEvery), watcher, null).run();
        }
    }

    /** Total committed-offset lag (read_committed end offsets) of each group over the partitions of its input topics. */
    Map<String, Long> lags() throws Exception {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String group : GROUPS) {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS));
            committed.keySet().removeIf(tp -> !GROUP_TOPICS.get(group).contains(tp.topic()));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(10, TimeUnit.SECONDS);
            long lag = 0;
            for (var e : committed.entrySet()) {
                if (e.getValue() == null) continue;
                lag += Math.max(0, ends.get(e.getKey()).offset() - e.getValue().offset());
            }
            out.put(group, lag);
        }
        return out;
    }

    private boolean waitDrained(Duration timeout, long threshold) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Long> lag = lags();
            if (lag.values().stream().allMatch(l -> l <= threshold)) return true;
            if (System.nanoTime() > deadline) {
                log("  lag did not drain below " + threshold + " within " + timeout.toSeconds() + " s: " + lag);
                return false;
            }
            Thread.sleep(1000);
        }
    }

    private List<StoreProbe> probes() throws Exception {
        return List.of(
                new PostgresProbe(env.string("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/compliance"), env.string("POSTGRES_USER", "pipeline"),
                        env.secret("POSTGRES_PASSWORD", "").value()),
                new ElasticsearchProbe(URI.create(env.string("ELASTICSEARCH_URL", "http://127.0.0.1:9200")), "compliance-records", null),
                new RedisProbe(env.string("REDIS_URL", "redis://127.0.0.1:6379"), env.secret("REDIS_PASSWORD", "").value(), "cp:"));
    }

    private double num(String name, double defaultValue) {
        String v = options.get(name);
        if (v == null) return defaultValue;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + ": must be a number, got '" + v + "'");
        }
    }

    static void log(String message) {
        System.out.printf("%s %s%n", java.time.LocalTime.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), message);
        System.out.flush();
    }

    static void run(Path root, List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).directory(root.toFile()).inheritIO().start();
        if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + " failed with exit code " + p.exitValue());
    }

    /** The services of infra/services.list, through the PID files bin/pipeline writes. */
    static final class Services {
        static Set<String> alive(Path root) throws Exception {
            Set<String> alive = new java.util.TreeSet<>();
            for (String line : Files.readAllLines(root.resolve("infra/services.list"))) {
                if (line.isBlank() || line.trim().startsWith("#")) continue;
                String name = line.trim().split("\\s+")[0];
                if (pid(root, name) > 0) alive.add(name);
            }
            return alive;
        }

        /** The PID of a running service, checked against its marker in the command line, or -1. */
        static long pid(Path root, String name) {
            try {
                long pid = Long.parseLong(Files.readString(root.resolve(".local/services/" + name + ".pid")).trim());
                String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline")).replace('\0', ' ');
                return cmdline.contains("-Dpipeline.service=" + name) ? pid : -1;
            } catch (Exception e) {
                return -1;
            }
        }

        /** SIGTERM to each service this run started, SIGKILL after 60 s. */
        static void stop(Path root, Set<String> names) {
            for (String name : names) {
                long pid = pid(root, name);
                if (pid < 0) continue;
                log("stopping " + name + " (pid " + pid + ")");
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.destroy();
                    try {
                        h.onExit().get(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        h.destroyForcibly();
                    }
                });
            }
        }
    }
}
