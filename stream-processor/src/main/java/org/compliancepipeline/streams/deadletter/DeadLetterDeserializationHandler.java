package org.compliancepipeline.streams.deadletter;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.compliancepipeline.streams.PipelineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A record whose bytes cannot be decoded goes to the dead-letter topic, untouched, and processing
 * resumes: one corrupt record never stops the application. The dead letter is written in the
 * task's transaction, so it appears exactly once.
 *
 * <p>Records of the reference topics (controls, organisations) are read by the global thread,
 * which has no transactional producer: there a corrupt record is logged, counted and skipped.
 */
public final class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private String topic;
    private PipelineMetrics metrics;
    private Set<String> globalTopics;

    @Override
    public void configure(Map<String, ?> configs) {
        topic = DeadLetters.topic(configs);
        metrics = DeadLetters.metrics(configs);
        globalTopics = DeadLetters.globalTopics(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        String rule = DeadLetters.rule(exception);
        metrics.deadLettered(DeadLetters.DESERIALIZE, rule);
        if (globalTopics.contains(record.topic())) {
            log.error("skipping undecodable reference record {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
                    DeadLetters.reason(exception));
            return Response.resume();
        }
        return Response.resume(List.of(DeadLetters.record(topic, record.key(), record.value(), record.headers(),
                record.timestamp() >= 0 ? record.timestamp() : null, DeadLetters.DESERIALIZE, rule, DeadLetters.reason(exception),
                new DeadLetters.Source(record.topic(), record.partition(), record.offset()), System.currentTimeMillis())));
    }
}
