package org.compliancepipeline.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.compliancepipeline.cli.load.ElasticsearchProbe;
import org.compliancepipeline.cli.load.HttpSender;
import org.compliancepipeline.cli.load.KafkaSender;
import org.compliancepipeline.cli.load.LatencyWatcher;
import org.compliancepipeline.cli.load.LoadReport;
import org.compliancepipeline.cli.load.LoadRun;
import org.compliancepipeline.cli.load.PostgresProbe;
import org.compliancepipeline.cli.load.RecordStream;
import org.compliancepipeline.cli.load.RedisProbe;
import org.compliancepipeline.cli.load.Sender;
import org.compliancepipeline.cli.load.StoreProbe;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code pipeline load}: a realistic generated stream at a target rate, then the achieved rate and the latency to each store. */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sends a generated stream of compliance records (organisations x controls, statuses drifting over time, "
                + "Zipf-skewed organisations, duplicates, late and invalid records) to the ingest API or to Kafka, at a target rate "
                + "for a duration or a count, then reports the achieved rate, what was accepted and rejected, and the end-to-end "
                + "latency until sampled records are visible in PostgreSQL, Elasticsearch and Redis."})
final class LoadCommand implements Callable<Integer> {
    enum Target { http, kafka }
    enum Progress { auto, bar, lines, none }

    @ParentCommand PipelineCli root;
    @Spec CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(names = "--to", defaultValue = "http", description = "http (the ingest API) or kafka (Avro, straight to the raw topic). Default: ${DEFAULT-VALUE}.")
    Target to;
    @Option(names = "--rate", defaultValue = "1000", description = "Target records/s (default ${DEFAULT-VALUE}).")
    double rate;
    @Option(names = "--duration", paramLabel = "<30s|5m>", description = "How long to send (default 30s unless --count is given).")
    String duration;
    @Option(names = "--count", description = "How many records to send (instead of --duration).")
    long count;
    @Option(names = "--batch", defaultValue = "500", description = "Records per request / producer batch (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--clients", defaultValue = "4", description = "Requests in flight at once (default ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "Ingest API base URL (default ${DEFAULT-VALUE}).")
    URI url;
    @Option(names = "--api-key-file", paramLabel = "<file>",
            description = "File holding the API key (default: LOAD_API_KEY, else $PIPELINE_HOME/secrets/load-api-key, else .../demo-api-key).")
    Path apiKeyFile;
    @Option(names = "--topic", description = "Raw topic for --to kafka (default: compliance.records.v1).")
    String topicName;

    @Option(names = "--catalog", description = "OSCAL catalog whose controls are assessed (default: the shipped NIST SP 800-53 rev5 moderate baseline).")
    Path catalog;
    @Option(names = "--framework", defaultValue = "nist-800-53-r5", description = "Framework of the records (default ${DEFAULT-VALUE}).")
    String framework;
    @Option(names = "--orgs", description = "Organisations file (default: the shipped sample organisations).")
    Path orgsFile;
    @Option(names = "--all-orgs", description = "Use every organisation of the file, not only those that adopted --framework.")
    boolean allOrgs;
    @Option(names = "--zipf", defaultValue = "1.1", description = "Zipf exponent of the organisations' activity (0 = uniform; default ${DEFAULT-VALUE}).")
    double zipf;
    @Option(names = "--change-probability", defaultValue = "0.05", description = "Chance a re-assessment changes a control's status (default ${DEFAULT-VALUE}).")
    double changeProbability;
    @Option(names = "--duplicates", defaultValue = "0.02", description = "Share of exact duplicates (default ${DEFAULT-VALUE}).")
    double duplicates;
    @Option(names = "--late", defaultValue = "0.02", description = "Share of late records (default ${DEFAULT-VALUE}).")
    double late;
    @Option(names = "--invalid", defaultValue = "0.01", description = "Share of invalid records (default ${DEFAULT-VALUE}).")
    double invalid;
    @Option(names = "--history", paramLabel = "<7d|0s>", defaultValue = "0s",
            description = "Spread observedAt over this past period (e.g. 7d) instead of the send time (default: the send time).")
    String history;
    @Option(names = "--seed", description = "Random seed (default: random; the same seed gives the same stream).")
    Long seed;
    @Option(names = "--run-id", description = "Part of every recordId, load-<run-id>-<n> (default: random).")
    String runId;

    @Option(names = "--sample", defaultValue = "100", description = "Watch 1 in N fresh records until visible in each store (0: no latency; default ${DEFAULT-VALUE}).")
    int sample;
    @Option(names = "--stores", split = ",", defaultValue = "postgresql,elasticsearch,redis", description = "Stores to watch (default ${DEFAULT-VALUE}).")
    List<String> stores;
    @Option(names = "--watch-timeout", defaultValue = "60s", description = "How long to wait after sending for sampled records to show (default ${DEFAULT-VALUE}).")
    String watchTimeout;
    @Option(names = "--poll-interval", defaultValue = "20ms", description = "How often the stores are polled (default ${DEFAULT-VALUE}).")
    String pollInterval;
    @Option(names = "--progress", defaultValue = "auto", description = "auto (a bar on a terminal, else a line every 5 s), bar, lines or none.")
    Progress progress;
    @Option(names = "--json", paramLabel = "<file>", description = "Also write the report as JSON to this file.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Env env = root.env();
        Duration runFor = count > 0 ? null : duration(duration == null ? "30s" : duration, "--duration");
        Duration watchFor = duration(watchTimeout, "--watch-timeout");
        Duration poll = duration(pollInterval, "--poll-interval");
        if (count < 0) throw new ParameterException(spec.commandLine(), "--count must be > 0, got " + count);
        for (String s : stores) {
            if (!List.of("postgresql", "elasticsearch", "redis").contains(s)) {
                throw new ParameterException(spec.commandLine(), "--stores: unknown store '" + s + "' (postgresql, elasticsearch, redis)");
            }
        }
        LoadRun.Plan plan;
        RecordStream.Options options;
        try {
            plan = new LoadRun.Plan(rate, runFor, count, batch, clients, sample, duration(history, "--history"));
            options = new RecordStream.Options(organisations(err), framework, controls(), zipf, changeProbability, duplicates, late, invalid,
                    seed == null ? new java.security.SecureRandom().nextLong() : seed,
                    runId == null ? UUID.randomUUID().toString().substring(0, 8) : runId);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        } catch (IOException e) {
            err.println(PipelineCli.describe(e));
            return PipelineCli.INVALID_INPUT;
        }

        List<StoreProbe> probes = new ArrayList<>();
        try (Sender sender = sender(env); var watcher = sample > 0 ? new LatencyWatcher(probes(env, probes, err), poll) : null) {
            out.printf("load %s: %s records/s %s, batches of %d, %d clients; %d organisations (zipf %s) x %d controls; run %s, seed %d%n",
                    sender, fmt(rate), count > 0 ? "for " + count + " records" : "for " + runFor.toSeconds() + " s", batch, clients,
                    options.orgs().size(), fmt(zipf), options.controls().size(), options.runId(), options.seed());
            out.flush();
            LoadRun run = new LoadRun(new RecordStream(options), sender, plan, watcher, null);
            LoadRun.Result result;
            try (var ignored = progress(run, plan, err)) {
                Thread hook = new Thread(run::stop);
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    result = run.run();
                } finally {
                    try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException ignoredToo) { /* exiting */ }
                }
            }
            List<LatencyWatcher.StoreLatency> latency = watcher == null ? List.of() : watcher.finish(watchFor);
            LoadReport report = new LoadReport(to.name(), result, latency, watcher == null ? java.util.Map.of() : watcher.errors());
            report.print(out);
            if (json != null) Files.writeString(json, report.toJson().toPrettyString() + "\n");
            return result.counters().failed.sum() > 0 || result.counters().validRejected.sum() > 0 ? 4 : 0;
        } catch (Sender.LoadAborted e) {
            err.println("load stopped: " + e.getMessage());
            return to == Target.kafka ? PipelineCli.KAFKA_FAILED : 5;
        }
    }

    private Sender sender(Env env) throws IOException {
        if (to == Target.kafka) {
            KafkaClients clients = kafka.clients(env);
            Topic<String, org.compliancepipeline.schemas.ComplianceRecord> topic = topicName == null ? Topics.RECORDS
                    : new Topic<>(topicName, Topics.RECORDS.keySerde(), Topics.RECORDS.valueSerde(), Topics.RECORDS.partitions(), Topics.RECORDS.config());
            return new KafkaSender(clients, topic);
        }
        return new HttpSender(url, apiKey(env), Duration.ofSeconds(60));
    }

    private String apiKey(Env env) throws IOException {
        Path file = apiKeyFile;
        if (file == null) {
            var fromEnv = env.optional("LOAD_API_KEY");
            if (fromEnv.isPresent()) return fromEnv.get().trim();
            Path home = Path.of(env.optional("PIPELINE_HOME").orElse(".local"));
            file = Files.exists(home.resolve("secrets/load-api-key")) ? home.resolve("secrets/load-api-key") : home.resolve("secrets/demo-api-key");
        }
        if (!Files.isReadable(file)) {
            throw new ParameterException(spec.commandLine(), "--api-key-file: cannot read " + file
                    + " (give an ingest API key with --api-key-file or LOAD_API_KEY; bin/pipeline up makes one)");
        }
        return Files.readString(file).trim();
    }

    private List<StoreProbe> probes(Env env, List<StoreProbe> probes, PrintWriter err) {
        for (String store : stores) {
            try {
                switch (store) {
                    case "postgresql" -> probes.add(new PostgresProbe(env.string("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/compliance"),
                            env.string("POSTGRES_USER", "pipeline"), env.secret("POSTGRES_PASSWORD", "").value()));
                    case "elasticsearch" -> {
                        String user = env.optional("ELASTICSEARCH_USERNAME").orElse(null);
                        String auth = env.optional("ELASTICSEARCH_API_KEY").map(k -> "ApiKey " + k)
                                .orElse(user == null ? null : ElasticsearchProbe.basic(user, env.secret("ELASTICSEARCH_PASSWORD", "").value()));
                        probes.add(new ElasticsearchProbe(URI.create(env.string("ELASTICSEARCH_URL", "http://127.0.0.1:9200")),
                                env.string("ELASTICSEARCH_INDEX_PREFIX", "compliance") + "-records", auth));
                    }
                    case "redis" -> probes.add(new RedisProbe(env.string("REDIS_URL", "redis://127.0.0.1:6379"),
                            env.secret("REDIS_PASSWORD", "").value(), env.string("CACHE_KEY_PREFIX", "cp:")));
                    default -> throw new IllegalStateException(store);
                }
            } catch (Exception e) {
                err.println(store + ": not watched, cannot connect: " + e.getMessage());
            }
        }
        return probes;
    }

    private List<String> organisations(PrintWriter err) throws IOException {
        Path file = orgsFile != null ? orgsFile : ReferenceFiles.ORGS;
        OrganizationFile.Result result = OrganizationFile.read(file);
        if (!result.valid()) throw new IOException(file + ": " + String.join("; ", result.problems()));
        List<String> ids = new ArrayList<>();
        for (Organization o : result.organizations()) {
            if (allOrgs || o.getFrameworks().isEmpty() || o.getFrameworks().contains(framework)) ids.add(o.getOrgId());
        }
        if (ids.isEmpty()) throw new IllegalArgumentException("--framework: no organisation in " + file + " adopted " + framework + " (try --all-orgs)");
        return ids;
    }

    private List<String> controls() throws IOException {
        Path file = catalog != null ? catalog : ReferenceFiles.NIST_MODERATE;
        OscalCatalog.Result result = OscalCatalog.read(file, OscalCatalog.Options.defaults(framework));
        return result.controls().stream().map(ControlDefinition::getControlId).toList();
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private Duration duration(String value, String option) {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) throw new ParameterException(spec.commandLine(), option + ": must be a duration like 500ms, 30s, 5m, 1h or 7d, got '" + value + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A progress bar on a terminal, else a line every 5 seconds; closed when the run ends. */
    private AutoCloseable progress(LoadRun run, LoadRun.Plan plan, PrintWriter err) {
        Progress mode = progress == Progress.auto ? (isTerminal() ? Progress.bar : Progress.lines) : progress;
        LoadRun.Counters c = run.counters();
        switch (mode) {
            case bar -> {
                ProgressBar bar = new ProgressBarBuilder().setTaskName("load").setInitialMax(plan.expected())
                        .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUnit(" rec", 1).showSpeed().setUpdateIntervalMillis(250)
                        .continuousUpdate().build();
                ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
                ticker.scheduleAtFixedRate(() -> {
                    bar.stepTo(c.generated.sum());
                    bar.setExtraMessage(" rejected " + c.rejected.sum() + (c.failed.sum() > 0 ? ", failed " + c.failed.sum() : ""));
                }, 100, 100, TimeUnit.MILLISECONDS);
                return () -> { ticker.shutdownNow(); bar.stepTo(c.generated.sum()); bar.close(); };
            }
            case lines -> {
                long start = System.nanoTime();
                ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
                long[] last = {0, start};
                ticker.scheduleAtFixedRate(() -> {
                    long now = System.nanoTime();
                    long done = c.generated.sum();
                    double rateNow = (done - last[0]) / ((now - last[1]) / 1e9);
                    last[0] = done;
                    last[1] = now;
                    err.printf("%s %d records sent%s, %s/s, accepted %d, rejected %d, failed %d%n",
                            LocalTime.now().truncatedTo(ChronoUnit.SECONDS), done,
                            plan.expected() > 0 ? " of " + plan.expected() : "", fmt(rateNow), c.accepted.sum(), c.rejected.sum(), c.failed.sum());
                    err.flush();
                }, 5, 5, TimeUnit.SECONDS);
                return ticker::shutdownNow;
            }
            default -> {
                return () -> { };
            }
        }
    }

    /** A terminal on both ends: {@code Console.isTerminal()} where the JDK has it (22+), else a console at all. */
    static boolean isTerminal() {
        java.io.Console console = System.console();
        if (console == null) return false;
        try {
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }
}
