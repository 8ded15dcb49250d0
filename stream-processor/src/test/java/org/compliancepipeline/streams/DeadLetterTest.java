package org.compliancepipeline.streams;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.test.TestRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.streams.deadletter.DeadLetterProcessingHandler;
import org.compliancepipeline.streams.deadletter.DeadLetterProductionHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;
import static org.compliancepipeline.streams.ValidationStageTest.header;

/**
 * The dead-letter format, whatever the stage: the original key and value bytes untouched, the
 * original headers, and {@code dlq.stage}, {@code dlq.rule}, {@code dlq.reason},
 * {@code dlq.source.topic/partition/offset}, {@code dlq.failed.at}.
 */
class DeadLetterTest {
    static final byte[] KEY = "acme".getBytes(StandardCharsets.UTF_8);

    /**
     * Dead letters of the deserialization handler are sent before any record of the transaction
     * is processed; the test driver drops such sends under exactly-once when nothing else is
     * processed before it collects the output. These specifications of the handler's output
     * therefore run at-least-once; {@code StreamProcessorFailoverIT} checks the same dead letters
     * under exactly-once on a real broker.
     */
    static final Map<String, String> DRIVER_SEES_HANDLER_OUTPUT = Map.of("STREAMS_CONFIG_PROCESSING_GUARANTEE", "at_least_once");

    @TempDir Path state;

    @Test
    void bytesThatAreNotAComplianceRecordAreDeadLetteredAtDeserializationAndProcessingGoesOn() {
        try (PipelineDriver p = new PipelineDriver(state, DRIVER_SEES_HANDLER_OUTPUT)) {
            byte[] garbage = "{\"not\": \"avro\"}".getBytes(StandardCharsets.UTF_8);
            RecordHeaders original = new RecordHeaders();
            original.add("traceparent", "00-abc-01".getBytes(StandardCharsets.UTF_8));
            p.rawRecords.pipeInput(new TestRecord<>(KEY, garbage, original, NOW.minusSeconds(5)));
            p.send(record("r-after").build());

            TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
            assertThat(dead.value()).isEqualTo(garbage);
            assertThat(dead.key()).isEqualTo(KEY);
            assertThat(dead.timestamp()).isEqualTo(NOW.minusSeconds(5).toEpochMilli());
            assertThat(header(dead, DeadLetterHeaders.STAGE)).isEqualTo("deserialize");
            assertThat(header(dead, DeadLetterHeaders.RULE)).isEqualTo(SerializationException.class.getName());
            assertThat(header(dead, DeadLetterHeaders.REASON)).contains("Cannot decode ComplianceRecord", "not Avro single-object encoded");
            assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("compliance.records.v1");
            assertThat(header(dead, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
            assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("0");
            assertThat(Long.parseLong(header(dead, DeadLetterHeaders.FAILED_AT))).isPositive();
            assertThat(header(dead, "traceparent")).as("original headers are kept").isEqualTo("00-abc-01");
            assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).containsExactly("r-after");
            assertThat(p.counter("stream.processor.dead.letters", "stage", "deserialize")).isEqualTo(1);
        }
    }

    @Test
    void aTruncatedRecordIsDeadLetteredNotHalfRead() {
        try (PipelineDriver p = new PipelineDriver(state, DRIVER_SEES_HANDLER_OUTPUT)) {
            byte[] full = AvroSerdes.COMPLIANCE_RECORD.serialize("t", record("r-1").build());
            byte[] truncated = Arrays.copyOf(full, full.length - 7);
            p.rawRecords.pipeInput(new TestRecord<>(KEY, truncated, NOW));

            TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
            assertThat(dead.value()).isEqualTo(truncated);
            assertThat(header(dead, DeadLetterHeaders.REASON)).contains("corrupt body");
            assertThat(p.enriched.isEmpty()).isTrue();
        }
    }

    @Test
    void aTombstoneOnTheInputTopicIsDeadLetteredByValidation() {
        try (PipelineDriver p = new PipelineDriver(state)) {
            p.rawRecords.pipeInput(new TestRecord<>(KEY, null, NOW));

            TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
            assertThat(dead.value()).isNull();
            assertThat(dead.key()).isEqualTo(KEY);
            assertThat(header(dead, DeadLetterHeaders.STAGE)).isEqualTo("validate");
            assertThat(header(dead, DeadLetterHeaders.RULE)).isEqualTo("value.missing");
        }
    }

    @Test
    void aDeadLetterSentBackToTheInputCarriesOnlyItsNewReason() {
        try (PipelineDriver p = new PipelineDriver(state)) {
            p.send(record("r-1").setScore(-1.0).build());
            TestRecord<byte[], byte[]> first = p.deadLetters.readRecord();
            p.rawRecords.pipeInput(new TestRecord<>(first.key(), first.value(), first.headers(), NOW));

            TestRecord<byte[], byte[]> second = p.deadLetters.readRecord();
            assertThat(second.headers().headers(DeadLetterHeaders.RULE)).hasSize(1);
            assertThat(second.headers().headers(DeadLetterHeaders.SOURCE_OFFSET)).hasSize(1);
            assertThat(header(second, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
        }
    }

    @Test
    void anOutputTheBrokerRefusesDeadLettersTheInputRecordThatProducedIt() {
        DeadLetterProductionHandler handler = new DeadLetterProductionHandler();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        handler.configure(handlerConfigs(registry));
        byte[] value = AvroSerdes.COMPLIANCE_RECORD.serialize("t", record("r-1").build());

        ProductionExceptionHandler.Response response = handler.handleError(
                new Context("compliance.records.v1", 4, 1234, KEY, value),
                new ProducerRecord<>("compliance.records.enriched.v1", new byte[10], new byte[2_000_000]),
                new RecordTooLargeException("The message is 2000100 bytes when serialized"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().getFirst();
        assertThat(dead.topic()).isEqualTo("compliance.records.dlq.v1");
        assertThat(dead.key()).isEqualTo(KEY);
        assertThat(dead.value()).isEqualTo(value);
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.STAGE)).isEqualTo("produce");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.RULE)).isEqualTo(RecordTooLargeException.class.getName());
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.REASON))
                .isEqualTo("cannot write to compliance.records.enriched.v1: The message is 2000100 bytes when serialized");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo("compliance.records.v1");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("4");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1234");
        assertThat(registry.find("stream.processor.dead.letters").tag("stage", "produce").counter().count()).isEqualTo(1);
    }

    @Test
    void anExceptionInAProcessorDeadLettersTheInputRecordAndResumes() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(handlerConfigs(new SimpleMeterRegistry()));
        byte[] value = AvroSerdes.COMPLIANCE_RECORD.serialize("t", record("r-1").build());

        ProcessingExceptionHandler.Response response = handler.handleError(
                new Context("compliance.records.v1", 2, 77, KEY, value),
                new Record<>("acme", "whatever", NOW.toEpochMilli()), new IllegalStateException("boom"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        ProducerRecord<byte[], byte[]> dead = response.deadLetterQueueRecords().getFirst();
        assertThat(dead.value()).isEqualTo(value);
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.STAGE)).isEqualTo("process");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.RULE)).isEqualTo("java.lang.IllegalStateException");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.REASON)).isEqualTo("processor enrich failed: boom");
        assertThat(headerOf(dead.headers(), DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("77");
    }

    @Test
    void aFailureOnAReferenceTopicIsSkippedWithoutADeadLetter() {
        DeadLetterProcessingHandler handler = new DeadLetterProcessingHandler();
        handler.configure(handlerConfigs(new SimpleMeterRegistry()));

        ProcessingExceptionHandler.Response response = handler.handleError(
                new Context("compliance.controls.v1", 0, 1, KEY, new byte[1]),
                new Record<>("k", "v", 0L), new IllegalStateException("boom"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).isEmpty();
    }

    private Map<String, Object> handlerConfigs(SimpleMeterRegistry registry) {
        Properties props = StreamProcessorConfig.defaults().streamsProperties(KafkaConfig.local("x:9092"), new PipelineMetrics(registry));
        Map<String, Object> configs = new HashMap<>();
        props.forEach((k, v) -> configs.put((String) k, v));
        return configs;
    }

    private static String headerOf(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** What Kafka Streams tells a handler about the input record being processed. */
    private record Context(String topic, int partition, long offset, byte[] sourceRawKey, byte[] sourceRawValue)
            implements ErrorHandlerContext {
        @Override public Headers headers() { return new RecordHeaders(); }
        @Override public String processorNodeId() { return "enrich"; }
        @Override public TaskId taskId() { return new TaskId(0, partition); }
        @Override public long timestamp() { return NOW.toEpochMilli(); }
    }
}
