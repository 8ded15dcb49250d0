package org.compliancepipeline.streams.deadletter;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.compliancepipeline.streams.PipelineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * An output record that cannot be serialised or that the broker refuses for good (too large,
 * invalid timestamp ...) sends the input record that produced it to the dead-letter topic and
 * processing resumes. Retriable send errors never reach this handler: Kafka Streams retries them
 * itself within {@code task.timeout.ms}.
 */
public final class DeadLetterProductionHandler implements ProductionExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProductionHandler.class);

    private String topic;
    private PipelineMetrics metrics;

    @Override
    public void configure(Map<String, ?> configs) {
        topic = DeadLetters.topic(configs);
        metrics = DeadLetters.metrics(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record, Exception exception) {
        return deadLetter(context, record.topic(), exception);
    }

    @Override
    @SuppressWarnings("rawtypes") // the interface declares a raw ProducerRecord
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        return deadLetter(context, record.topic(), exception);
    }

    private Response deadLetter(ErrorHandlerContext context, String outputTopic, Exception exception) {
        String rule = DeadLetters.rule(exception);
        metrics.deadLettered(DeadLetters.PRODUCE, rule);
        if (topic.equals(outputTopic)) {
            // The dead letter itself failed: nothing sensible is left to write; log it and go on.
            log.error("cannot write a dead letter to {} (source {}-{}@{}): {}", topic, context.topic(), context.partition(),
                    context.offset(), exception.toString());
            return Response.resume();
        }
        String reason = "cannot write to " + outputTopic + ": " + DeadLetters.reason(exception);
        return Response.resume(List.of(DeadLetters.record(topic, context.sourceRawKey(), context.sourceRawValue(),
                context.headers(), context.timestamp() >= 0 ? context.timestamp() : null, DeadLetters.PRODUCE, rule, reason,
                new DeadLetters.Source(context.topic(), context.partition(), context.offset()), System.currentTimeMillis())));
    }
}
