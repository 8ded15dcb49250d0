package org.compliancepipeline.sink.runtime;

import org.compliancepipeline.platform.config.Env;

import java.time.Duration;
import java.util.List;

/**
 * How a sink consumes and batches. Environment variables (all optional):
 * <table>
 *   <tr><td>{@code SINK_GROUP_ID}</td><td>consumer group (default: the sink's name)</td></tr>
 *   <tr><td>{@code SINK_CONSUMERS}</td><td>consumer threads in this instance (default 1; scale with instances too)</td></tr>
 *   <tr><td>{@code SINK_BATCH_RECORDS}</td><td>flush at this many records (default 5000)</td></tr>
 *   <tr><td>{@code SINK_BATCH_BYTES}</td><td>flush at this many bytes (default 8 MiB)</td></tr>
 *   <tr><td>{@code SINK_LINGER}</td><td>flush a non-empty batch at this age (default 200ms)</td></tr>
 *   <tr><td>{@code SINK_RETRY_INITIAL}, {@code SINK_RETRY_MAX}</td><td>backoff bounds (100ms, 30s)</td></tr>
 *   <tr><td>{@code SINK_NOT_READY_AFTER}</td><td>/ready turns false when writes have failed this long (30s)</td></tr>
 *   <tr><td>{@code SINK_MAX_POLL_RECORDS}</td><td>consumer max.poll.records (default 5000)</td></tr>
 * </table>
 */
public record SinkConfig(String name, String groupId, List<String> topics, String deadLetterTopic, int consumers,
                         int batchRecords, long batchBytes, Duration linger, Duration retryInitial, Duration retryMax,
                         Duration notReadyAfter, int maxPollRecords) {

    public SinkConfig {
        topics = List.copyOf(topics);
    }

    public static SinkConfig fromEnv(Env env, String name, List<String> topics, String deadLetterTopic) {
        return new SinkConfig(name,
                env.string("SINK_GROUP_ID", name),
                topics,
                deadLetterTopic,
                env.integer("SINK_CONSUMERS", 1, 1, 64),
                env.integer("SINK_BATCH_RECORDS", 5000, 1, 1_000_000),
                env.longValue("SINK_BATCH_BYTES", 8L << 20, 1024, 1L << 30),
                env.duration("SINK_LINGER", Duration.ofMillis(200)),
                env.duration("SINK_RETRY_INITIAL", Duration.ofMillis(100)),
                env.duration("SINK_RETRY_MAX", Duration.ofSeconds(30)),
                env.duration("SINK_NOT_READY_AFTER", Duration.ofSeconds(30)),
                env.integer("SINK_MAX_POLL_RECORDS", 5000, 1, 100_000));
    }

    public SinkConfig withGroupId(String group) {
        return new SinkConfig(name, group, topics, deadLetterTopic, consumers, batchRecords, batchBytes, linger,
                retryInitial, retryMax, notReadyAfter, maxPollRecords);
    }
}
