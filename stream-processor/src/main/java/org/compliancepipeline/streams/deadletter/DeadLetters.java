package org.compliancepipeline.streams.deadletter;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.streams.PipelineMetrics;
import org.compliancepipeline.streams.PipelineTopics;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Dead-letter records of the stream processor: the original key and value bytes, untouched, the
 * original headers, and the {@link DeadLetterHeaders} naming the stage, the rule, the reason and
 * where the record came from. Used by the validation stage and by the three Kafka Streams error
 * handlers, so every dead letter of this service looks the same.
 */
public final class DeadLetters {
    private DeadLetters() { }

    /** Stages, as written in {@link DeadLetterHeaders#STAGE}. */
    public static final String DESERIALIZE = "deserialize";
    public static final String VALIDATE = "validate";
    public static final String PROCESS = "process";
    public static final String PRODUCE = "produce";

    // Settings the handlers read from the Streams configuration (Streams hands them every original entry).
    static final String TOPIC_CONFIG = "compliance.dead.letter.topic";
    static final String METRICS_CONFIG = "compliance.dead.letter.metrics";
    static final String GLOBAL_TOPICS_CONFIG = "compliance.dead.letter.global.topics";

    private static final int MAX_REASON = 2_000;

    /** Installs the three handlers and what they need. */
    public static void configure(Properties streamsProperties, PipelineTopics topics, PipelineMetrics metrics) {
        streamsProperties.put(org.apache.kafka.streams.StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterDeserializationHandler.class.getName());
        streamsProperties.put(org.apache.kafka.streams.StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterProductionHandler.class.getName());
        streamsProperties.put(org.apache.kafka.streams.StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG,
                DeadLetterProcessingHandler.class.getName());
        // Global-table processing errors are handled too (logged and skipped: the global thread cannot write dead letters).
        streamsProperties.put(org.apache.kafka.streams.StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
        streamsProperties.put(TOPIC_CONFIG, topics.deadLetters().name());
        streamsProperties.put(GLOBAL_TOPICS_CONFIG, topics.controls().name() + "," + topics.orgs().name());
        streamsProperties.put(METRICS_CONFIG, metrics);
    }

    /** Where a dead letter came from. */
    public record Source(String topic, int partition, long offset) { }

    /**
     * The dead-letter record.
     *
     * @param reason human-readable, naming the field where there is one; cut at 2,000 characters
     */
    public static ProducerRecord<byte[], byte[]> record(String deadLetterTopic, byte[] key, byte[] value, Headers original,
                                                        Long timestamp, String stage, String rule, String reason,
                                                        Source source, long failedAt) {
        return new ProducerRecord<>(deadLetterTopic, null, timestamp, key, value,
                headers(original, stage, rule, reason, source, failedAt));
    }

    /** The original headers (minus any earlier dead-letter headers) plus ours. */
    public static Headers headers(Headers original, String stage, String rule, String reason, Source source, long failedAt) {
        RecordHeaders h = new RecordHeaders();
        if (original != null) {
            for (Header header : original) {
                if (!header.key().startsWith("dlq.")) h.add(header);
            }
        }
        add(h, DeadLetterHeaders.STAGE, stage);
        add(h, DeadLetterHeaders.RULE, rule);
        add(h, DeadLetterHeaders.REASON, reason == null ? "" : reason.length() > MAX_REASON ? reason.substring(0, MAX_REASON) + "..." : reason);
        if (source != null) {
            add(h, DeadLetterHeaders.SOURCE_TOPIC, source.topic());
            add(h, DeadLetterHeaders.SOURCE_PARTITION, Integer.toString(source.partition()));
            add(h, DeadLetterHeaders.SOURCE_OFFSET, Long.toString(source.offset()));
        }
        add(h, DeadLetterHeaders.FAILED_AT, Long.toString(failedAt));
        return h;
    }

    /** The rule of a failure that is an exception: its class, e.g. {@code org.apache.kafka.common.errors.SerializationException}. */
    static String rule(Exception e) {
        return e.getClass().getName();
    }

    static String reason(Exception e) {
        String message = e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause != e && cause.getMessage() != null && (message == null || !message.contains(cause.getMessage()))) {
            message = (message == null ? "" : message + ": ") + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        }
        return message == null ? e.getClass().getSimpleName() : message;
    }

    static String topic(Map<String, ?> configs) {
        Object t = configs.get(TOPIC_CONFIG);
        if (!(t instanceof String s) || s.isBlank()) {
            throw new IllegalStateException(TOPIC_CONFIG + " is not set: install the handlers with DeadLetters.configure");
        }
        return s;
    }

    static PipelineMetrics metrics(Map<String, ?> configs) {
        return configs.get(METRICS_CONFIG) instanceof PipelineMetrics m ? m : PipelineMetrics.discarding();
    }

    static Set<String> globalTopics(Map<String, ?> configs) {
        Object t = configs.get(GLOBAL_TOPICS_CONFIG);
        return t instanceof String s ? Set.copyOf(List.of(s.split(","))) : Set.of();
    }

    private static void add(Headers headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
