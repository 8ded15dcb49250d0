package org.compliancepipeline.streams;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.streams.deadletter.DeadLetters;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the stream processor is configured with, read from environment variables with
 * defaults that work locally. The table of variables is in {@code stream-processor/README.md}.
 *
 * @param applicationId         {@code APPLICATION_ID}: Kafka Streams application id; instances with the same id share the work
 * @param stateDir              {@code STATE_DIR}: where RocksDB keeps local state
 * @param threads               {@code NUM_STREAM_THREADS}
 * @param standbyReplicas       {@code NUM_STANDBY_REPLICAS} (classic group protocol; the streams protocol sets them on the broker)
 * @param commitInterval        {@code COMMIT_INTERVAL}: how often transactions commit (output visible to read_committed readers)
 * @param cacheMaxBytes         {@code CACHE_MAX_BYTES}: record cache shared by the threads (coalesces KTable updates)
 * @param dedupRetention        {@code DEDUP_RETENTION}: how long a recordId is remembered
 * @param futureSkew            {@code FUTURE_SKEW}: how far in the future an observedAt may lie
 * @param timestampFloor        {@code TIMESTAMP_FLOOR}: observedAt before this is invalid
 * @param statsGrace            {@code STATS_GRACE}: how long an hourly window accepts late records after it ends
 * @param statsEmit             {@code STATS_EMIT}: {@code updates} (each change) or {@code final} (once, when the window closes)
 * @param knownFrameworks       {@code KNOWN_FRAMEWORKS}: frameworks accepted even when the catalog has none of their controls
 * @param frameworksFromCatalog {@code FRAMEWORKS_FROM_CATALOG}: also accept any framework with a control in the catalog
 * @param groupProtocol         {@code GROUP_PROTOCOL}: {@code classic} or {@code streams} (KIP-1071)
 * @param sessionTimeout        {@code SESSION_TIMEOUT}: how fast a dead instance's tasks move (classic protocol)
 * @param createTopics          {@code CREATE_TOPICS}: create missing topics of {@link #topics} at start
 * @param topicReplicationFactor {@code TOPIC_REPLICATION_FACTOR}: for the topics it creates
 * @param topics                {@code TOPIC_*}: topic names
 * @param streamsOverrides      {@code STREAMS_CONFIG_<NAME>}: any other Kafka Streams setting, e.g. {@code STREAMS_CONFIG_POLL_MS=50}
 */
public record StreamProcessorConfig(
        String applicationId,
        Path stateDir,
        int threads,
        int standbyReplicas,
        Duration commitInterval,
        long cacheMaxBytes,
        Duration dedupRetention,
        Duration futureSkew,
        Instant timestampFloor,
        Duration statsGrace,
        StatsEmit statsEmit,
        Set<String> knownFrameworks,
        boolean frameworksFromCatalog,
        GroupProtocol groupProtocol,
        Duration sessionTimeout,
        boolean createTopics,
        short topicReplicationFactor,
        PipelineTopics topics,
        Map<String, String> streamsOverrides) {

    public static final String DEFAULT_APPLICATION_ID = "compliance-stream-processor";
    public static final Instant DEFAULT_TIMESTAMP_FLOOR = Instant.parse("2000-01-01T00:00:00Z");

    /** What the hourly statistics emit. */
    public enum StatsEmit { UPDATES, FINAL }

    public enum GroupProtocol { CLASSIC, STREAMS }

    public StreamProcessorConfig {
        knownFrameworks = Set.copyOf(knownFrameworks);
        streamsOverrides = Map.copyOf(streamsOverrides);
    }

    /** The defaults, as with an empty environment. */
    public static StreamProcessorConfig defaults() {
        return fromEnv(new Env(Map.of()));
    }

    /**
     * Reads every variable. Problems with the variables only this service reads that {@link Env}
     * cannot type (topic names, the floor date, framework ids) throw here, together with every
     * problem {@code env} has recorded so far; the rest surface at {@link Env#validate()}.
     */
    public static StreamProcessorConfig fromEnv(Env env) {
        List<String> problems = new ArrayList<>();
        String applicationId = env.string("APPLICATION_ID", DEFAULT_APPLICATION_ID);
        if (!applicationId.matches("[A-Za-z0-9._-]{1,200}")) {
            problems.add("APPLICATION_ID: must be 1-200 letters, digits and . _ -, got '" + applicationId + "'");
        }
        Path stateDir = Path.of(env.string("STATE_DIR", defaultStateDir(env)));
        int threads = env.integer("NUM_STREAM_THREADS", 1, 1, 64);
        int standbys = env.integer("NUM_STANDBY_REPLICAS", 0, 0, 10);
        Duration commitInterval = env.duration("COMMIT_INTERVAL", Duration.ofMillis(100));
        long cacheMaxBytes = env.longValue("CACHE_MAX_BYTES", 10L * 1024 * 1024, 0, 1L << 40);
        Duration dedupRetention = env.duration("DEDUP_RETENTION", Duration.ofDays(7));
        Duration futureSkew = env.duration("FUTURE_SKEW", Duration.ofMinutes(5));
        Instant floor = instant(env.string("TIMESTAMP_FLOOR", DEFAULT_TIMESTAMP_FLOOR.toString()), "TIMESTAMP_FLOOR", problems);
        Duration statsGrace = env.duration("STATS_GRACE", Duration.ofHours(1));
        StatsEmit statsEmit = env.choice("STATS_EMIT", StatsEmit.UPDATES, StatsEmit.class);
        Set<String> frameworks = new LinkedHashSet<>();
        for (String f : env.string("KNOWN_FRAMEWORKS", "nist-800-53-r5").split(",")) {
            String id = f.trim();
            if (id.isEmpty()) continue;
            if (Ids.isId(id)) frameworks.add(id);
            else problems.add("KNOWN_FRAMEWORKS: '" + id + "' is not a framework id (letters, digits and . _ ( ) -)");
        }
        boolean fromCatalog = env.bool("FRAMEWORKS_FROM_CATALOG", true);
        GroupProtocol protocol = env.choice("GROUP_PROTOCOL", GroupProtocol.CLASSIC, GroupProtocol.class);
        Duration sessionTimeout = env.duration("SESSION_TIMEOUT", Duration.ofSeconds(45));
        boolean createTopics = env.bool("CREATE_TOPICS", true);
        short replication = (short) env.integer("TOPIC_REPLICATION_FACTOR", 1, 1, 10);
        PipelineTopics topics = PipelineTopics.fromEnv(env, problems);
        Map<String, String> overrides = new TreeMap<>();
        env.withPrefix("STREAMS_CONFIG_").forEach((k, v) -> overrides.put(k.toLowerCase(Locale.ROOT).replace('_', '.'), v));

        if (commitInterval.isZero() || commitInterval.isNegative()) problems.add("COMMIT_INTERVAL: must be positive");
        if (dedupRetention.compareTo(Duration.ofMinutes(1)) < 0) {
            problems.add("DEDUP_RETENTION: must be at least 1m, got " + dedupRetention);
        }
        if (futureSkew.compareTo(Duration.ofHours(1)) >= 0) {
            // The broker refuses records more than log.message.timestamp.after.max.ms (1 h by default) in the future,
            // and the hourly statistics re-time records to observedAt.
            problems.add("FUTURE_SKEW: must be less than 1h (the broker's log.message.timestamp.after.max.ms), got " + futureSkew);
        }
        if (sessionTimeout.compareTo(Duration.ofSeconds(6)) < 0) {
            problems.add("SESSION_TIMEOUT: must be at least 6s (the broker's group.min.session.timeout.ms), got " + sessionTimeout);
        }
        if (!problems.isEmpty()) {
            List<String> all = new ArrayList<>(env.problems());
            all.addAll(problems);
            throw new ConfigException(all);
        }
        return new StreamProcessorConfig(applicationId, stateDir, threads, standbys, commitInterval, cacheMaxBytes,
                dedupRetention, futureSkew, floor, statsGrace, statsEmit, frameworks, fromCatalog, protocol,
                sessionTimeout, createTopics, replication, topics, overrides);
    }

    /** The Kafka Streams settings: exactly-once v2, RocksDB state, the dead-letter handlers, topology optimisation. */
    public Properties streamsProperties(KafkaConfig kafka, PipelineMetrics metrics) {
        Properties p = new Properties();
        p.putAll(kafka.common());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toAbsolutePath().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitInterval.toMillis());
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheMaxBytes);
        p.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
        // Every internal topic and store has a name of ours: renaming a processor never orphans state.
        p.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, groupProtocol.name().toLowerCase(Locale.ROOT));
        if (groupProtocol == GroupProtocol.CLASSIC) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) sessionTimeout.toMillis());
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG),
                    (int) Math.min(3000, sessionTimeout.toMillis() / 3));
        }
        DeadLetters.configure(p, topics, metrics);
        p.putAll(streamsOverrides);
        return p;
    }

    private static String defaultStateDir(Env env) {
        return env.optional("PIPELINE_HOME").map(h -> Path.of(h, "state", "stream-processor").toString())
                .orElse(Path.of(".local", "state", "stream-processor").toString());
    }

    /** {@code 2000-01-01} or {@code 2000-01-01T00:00:00Z}. */
    private static Instant instant(String value, String variable, List<String> problems) {
        try {
            return value.length() == 10 ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(value);
        } catch (DateTimeParseException e) {
            problems.add(variable + ": must be a date (2000-01-01) or an instant (2000-01-01T00:00:00Z), got '" + value + "'");
            return DEFAULT_TIMESTAMP_FLOOR;
        }
    }

    @Override
    public String toString() {
        return "StreamProcessorConfig[applicationId=" + applicationId + ", stateDir=" + stateDir + ", threads=" + threads
                + ", standbyReplicas=" + standbyReplicas + ", commitInterval=" + commitInterval
                + ", dedupRetention=" + dedupRetention + ", futureSkew=" + futureSkew + ", timestampFloor=" + timestampFloor
                + ", statsGrace=" + statsGrace + ", statsEmit=" + statsEmit + ", knownFrameworks=" + knownFrameworks
                + ", frameworksFromCatalog=" + frameworksFromCatalog + ", groupProtocol=" + groupProtocol
                + ", topics=[" + topics + "]" + (streamsOverrides.isEmpty() ? "" : ", overrides=" + streamsOverrides.keySet())
                + "]";
    }
}
