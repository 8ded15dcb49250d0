package org.compliancepipeline.sink.runtime;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.compliancepipeline.schemas.DeadLetterHeaders;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;

/**
 * Sends records a sink cannot store to its dead-letter topic: the original key and value bytes,
 * the original headers, and {@code dlq.*} headers saying where it came from and why.
 */
final class DeadLetters {
    private static final int MAX_REASON = 2000;

    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String stage;

    DeadLetters(Producer<byte[], byte[]> producer, String topic, String stage) {
        this.producer = producer;
        this.topic = topic;
        this.stage = stage;
    }

    Future<RecordMetadata> send(SinkRecord<?> record, Throwable error) {
        RecordHeaders headers = new RecordHeaders();
        if (record.headers() != null) {
            for (Header h : record.headers()) {
                if (!h.key().startsWith("dlq.")) headers.add(h);
            }
        }
        put(headers, DeadLetterHeaders.STAGE, stage);
        put(headers, DeadLetterHeaders.RULE, error.getClass().getSimpleName());
        put(headers, DeadLetterHeaders.ERROR_CLASS, error.getClass().getName());
        put(headers, DeadLetterHeaders.REASON, reason(error));
        put(headers, DeadLetterHeaders.SOURCE_TOPIC, record.topic());
        put(headers, DeadLetterHeaders.SOURCE_PARTITION, String.valueOf(record.partition()));
        put(headers, DeadLetterHeaders.SOURCE_OFFSET, String.valueOf(record.offset()));
        put(headers, DeadLetterHeaders.FAILED_AT, String.valueOf(System.currentTimeMillis()));
        return producer.send(new ProducerRecord<>(topic, null, record.timestamp(), record.key(), record.rawValue(), headers));
    }

    static String reason(Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        Throwable cause = error.getCause();
        if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message = message + " (caused by " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return message.length() > MAX_REASON ? message.substring(0, MAX_REASON) + "..." : message;
    }

    private static void put(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
