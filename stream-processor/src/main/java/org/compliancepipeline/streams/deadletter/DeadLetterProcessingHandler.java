package org.compliancepipeline.streams.deadletter;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.compliancepipeline.streams.PipelineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An exception thrown while processing one record (a bug meeting unexpected data) sends the input
 * record to the dead-letter topic, with the exception as the rule, and processing resumes. In the
 * global thread (reference tables) the record is logged, counted and skipped.
 */
public final class DeadLetterProcessingHandler implements ProcessingExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

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
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String rule = DeadLetters.rule(exception);
        metrics.deadLettered(DeadLetters.PROCESS, rule);
        log.warn("processor {} failed on {}-{}@{}; dead-lettering the input record", context.processorNodeId(),
                context.topic(), context.partition(), context.offset(), exception);
        if (globalTopics.contains(context.topic())) return Response.resume();
        String reason = "processor " + context.processorNodeId() + " failed: " + DeadLetters.reason(exception);
        return Response.resume(List.of(DeadLetters.record(topic, context.sourceRawKey(), context.sourceRawValue(),
                context.headers(), context.timestamp() >= 0 ? context.timestamp() : null, DeadLetters.PROCESS, rule, reason,
                new DeadLetters.Source(context.topic(), context.partition(), context.offset()), System.currentTimeMillis())));
    }
}
