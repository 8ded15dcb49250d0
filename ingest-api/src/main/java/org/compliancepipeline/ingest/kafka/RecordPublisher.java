package org.compliancepipeline.ingest.kafka;

import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.compliancepipeline.ingest.IngestMetrics;
import org.compliancepipeline.ingest.records.RecordResult;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.schemas.json.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Produces records with the service's one idempotent {@code acks=all} producer and turns each
 * send into a {@link RecordResult}: accepted with partition and offset once Kafka acknowledged it,
 * or why not. Every wait is bounded: a send blocks at most {@code max.block.ms} (metadata, buffer
 * space) and Kafka resolves every record within {@code delivery.timeout.ms}, acknowledged or
 * expired, so a request never hangs on a broker that is gone.
 */
public final class RecordPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RecordPublisher.class);
    private static final int LINGER_MS = 5;

    private final KafkaProducer<String, ComplianceRecord> producer;
    private final String topic;
    private final Duration maxBlock;
    private final IngestMetrics metrics;

    public RecordPublisher(KafkaClients clients, String topic, Duration maxBlock, Duration deliveryTimeout, IngestMetrics metrics) {
        this.topic = topic;
        this.maxBlock = maxBlock;
        this.metrics = metrics;
        this.producer = clients.producer("ingest-api", Topics.RECORDS, producerSettings(maxBlock, deliveryTimeout));
    }

    /** The bounds that make every request end in bounded time; the rest are the platform's defaults. */
    static Map<String, Object> producerSettings(Duration maxBlock, Duration deliveryTimeout) {
        int delivery = (int) Math.min(Integer.MAX_VALUE, deliveryTimeout.toMillis());
        return Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock.toMillis(),
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, delivery,
                // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(30_000, Math.max(500, delivery / 2)),
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
    }

    /**
     * Sends the records in order. Sending stops at the first record the producer cannot take
     * (buffer full, no metadata) or once {@code max.block.ms} has been spent in sends: the rest
     * are answered as unavailable without being sent, so a batch never waits once per record.
     *
     * @return one future per record, in order; each completes, never exceptionally
     */
    public List<CompletableFuture<RecordResult>> publish(List<ComplianceRecord> records) {
        List<CompletableFuture<RecordResult>> results = new ArrayList<>(records.size());
        long deadline = System.nanoTime() + maxBlock.toNanos();
        RecordResult.Unavailable stop = null;
        for (ComplianceRecord record : records) {
            if (stop == null && System.nanoTime() > deadline) {
                stop = new RecordResult.Unavailable("producer_busy", null,
                        "the producer could not take the whole request within " + maxBlock.toMillis() + " ms; retry");
            }
            if (stop != null) {
                results.add(CompletableFuture.completedFuture(
                        new RecordResult.Unavailable(stop.reason(), record.getRecordId(), stop.message())));
                continue;
            }
            CompletableFuture<RecordResult> result = publish(record);
            results.add(result);
            if (result.isDone() && result.join() instanceof RecordResult.Unavailable u) stop = u;
        }
        return results;
    }

    /** Sends one record; the future completes when Kafka acknowledged it or gave up. */
    public CompletableFuture<RecordResult> publish(ComplianceRecord record) {
        CompletableFuture<RecordResult> result = new CompletableFuture<>();
        long start = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topic, Keys.org(record.getOrgId()), record), (metadata, error) -> {
                if (error == null) {
                    metrics.produced(System.nanoTime() - start);
                    result.complete(new RecordResult.Accepted(record.getRecordId(), metadata.partition(), metadata.offset()));
                } else {
                    result.complete(failure(record, error));
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            // Thrown by send itself: serialization, a closed producer, an unrecoverable producer state.
            result.complete(failure(record, e));
        }
        return result;
    }

    static RecordResult failure(ComplianceRecord record, Throwable error) {
        return switch (error) {
            case BufferExhaustedException e -> new RecordResult.Unavailable("producer_busy", record.getRecordId(),
                    "the producer buffer is full (Kafka is slower than the input); retry after the indicated time");
            case RecordTooLargeException e -> tooLarge(e);
            case RecordBatchTooLargeException e -> tooLarge(e);
            case SerializationException e -> new RecordResult.Rejected("invalid", List.of(new FieldError("$", "cannot be encoded: " + e.getMessage())));
            case InvalidRecordException e -> new RecordResult.Rejected("invalid", List.of(new FieldError("$", "refused by Kafka: " + e.getMessage())));
            case RetriableException e -> new RecordResult.Unavailable("kafka_unavailable", record.getRecordId(),
                    "Kafka did not acknowledge the record: " + e.getMessage());
            default -> {
                log.warn("produce failed without a retriable cause: {}", error.toString());
                yield new RecordResult.Unavailable("kafka_unavailable", record.getRecordId(),
                        "Kafka did not acknowledge the record: " + error.getMessage());
            }
        };
    }

    private static RecordResult tooLarge(KafkaException e) {
        return new RecordResult.Rejected("too_large", List.of(new FieldError("$", "the encoded record is larger than Kafka accepts: " + e.getMessage())));
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
