package org.compliancepipeline.streams;

import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The topics the stream processor reads and writes: the {@link Topics} catalogue by default, each
 * name overridable ({@code TOPIC_RECORDS} ...) so tests and benchmarks run on topics of their own.
 * Serdes, partitions and topic configs always come from the catalogue.
 */
public record PipelineTopics(
        Topic<String, ComplianceRecord> records,
        Topic<byte[], byte[]> deadLetters,
        Topic<String, ControlDefinition> controls,
        Topic<String, Organization> orgs,
        Topic<String, EnrichedRecord> enriched,
        Topic<String, ControlStatus> controlStatus,
        Topic<String, ComplianceScore> scores,
        Topic<String, ComplianceStats> statsHourly) {

    private static final Pattern LEGAL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public static PipelineTopics catalogue() {
        return new PipelineTopics(Topics.RECORDS, Topics.RECORDS_DLQ, Topics.CONTROLS, Topics.ORGS, Topics.ENRICHED,
                Topics.CONTROL_STATUS, Topics.SCORES, Topics.STATS_HOURLY);
    }

    /** Every catalogue name with a prefix, e.g. {@code it-42.compliance.records.v1}: topics of one test run. */
    public static PipelineTopics prefixed(String prefix) {
        PipelineTopics c = catalogue();
        return new PipelineTopics(
                renamed(c.records, prefix + c.records.name()), renamed(c.deadLetters, prefix + c.deadLetters.name()),
                renamed(c.controls, prefix + c.controls.name()), renamed(c.orgs, prefix + c.orgs.name()),
                renamed(c.enriched, prefix + c.enriched.name()), renamed(c.controlStatus, prefix + c.controlStatus.name()),
                renamed(c.scores, prefix + c.scores.name()), renamed(c.statsHourly, prefix + c.statsHourly.name()));
    }

    /** Names from {@code TOPIC_*} variables; bad names are reported in {@code problems}. */
    static PipelineTopics fromEnv(Env env, List<String> problems) {
        PipelineTopics c = catalogue();
        return new PipelineTopics(
                named(env, "TOPIC_RECORDS", c.records, problems),
                named(env, "TOPIC_DEAD_LETTERS", c.deadLetters, problems),
                named(env, "TOPIC_CONTROLS", c.controls, problems),
                named(env, "TOPIC_ORGS", c.orgs, problems),
                named(env, "TOPIC_ENRICHED", c.enriched, problems),
                named(env, "TOPIC_CONTROL_STATUS", c.controlStatus, problems),
                named(env, "TOPIC_SCORES", c.scores, problems),
                named(env, "TOPIC_STATS_HOURLY", c.statsHourly, problems));
    }

    /** The names as the {@code TOPIC_*} variables that select them (to start another instance on the same topics). */
    public java.util.Map<String, String> asEnvironment() {
        return java.util.Map.of(
                "TOPIC_RECORDS", records.name(), "TOPIC_DEAD_LETTERS", deadLetters.name(),
                "TOPIC_CONTROLS", controls.name(), "TOPIC_ORGS", orgs.name(), "TOPIC_ENRICHED", enriched.name(),
                "TOPIC_CONTROL_STATUS", controlStatus.name(), "TOPIC_SCORES", scores.name(),
                "TOPIC_STATS_HOURLY", statsHourly.name());
    }

    public List<Topic<?, ?>> all() {
        return List.of(records, deadLetters, controls, orgs, enriched, controlStatus, scores, statsHourly);
    }

    private static <K, V> Topic<K, V> named(Env env, String variable, Topic<K, V> topic, List<String> problems) {
        String name = env.string(variable, topic.name());
        if (!LEGAL_NAME.matcher(name).matches()) {
            problems.add(variable + ": must be a Kafka topic name (1-249 letters, digits, . _ -), got '" + name + "'");
            return topic;
        }
        return renamed(topic, name);
    }

    static <K, V> Topic<K, V> renamed(Topic<K, V> topic, String name) {
        return name.equals(topic.name()) ? topic
                : new Topic<>(name, topic.keySerde(), topic.valueSerde(), topic.partitions(), topic.config());
    }

    @Override
    public String toString() {
        List<String> names = new ArrayList<>();
        all().forEach(t -> names.add(t.name()));
        return String.join(", ", names);
    }
}
