package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.streams.deadletter.DeadLetters;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Stage 1: checks each decoded record against {@link RecordValidator} and re-keys valid ones by
 * their orgId (the same string as the key, now typed). Invalid records continue as
 * {@link Validated.Rejected} with their original bytes and the dead-letter headers already set.
 */
final class Validation implements Processor<byte[], ReceivedRecord, String, Validated> {
    private final StreamProcessorConfig config;
    private final PipelineMetrics metrics;
    private ProcessorContext<String, Validated> context;
    private RecordValidator validator;

    Validation(StreamProcessorConfig config, PipelineMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Validated> context) {
        this.context = context;
        ReadOnlyKeyValueStore<String, ValueAndTimestamp<ControlDefinition>> catalog =
                config.frameworksFromCatalog() ? context.getStateStore(ComplianceTopology.CONTROLS_STORE) : null;
        this.validator = new RecordValidator(config.knownFrameworks(), framework -> catalog != null && hasControls(catalog, framework),
                config.futureSkew(), config.timestampFloor());
    }

    @Override
    public void process(Record<byte[], ReceivedRecord> in) {
        long now = context.currentSystemTimeMs();
        ReceivedRecord received = in.value();
        if (received == null) {
            reject(in, null, List.of(new RecordValidator.Violation("value.missing", "value",
                    "a record without a value (tombstone) is not a compliance record")), now);
            return;
        }
        ComplianceRecord record = received.record();
        String key = in.key() == null ? null : new String(in.key(), StandardCharsets.UTF_8);
        List<RecordValidator.Violation> violations = validator.check(key, record, now);
        if (violations.isEmpty()) {
            context.forward(new Record<>(record.getOrgId(), new Validated.Accepted(received), in.timestamp(), in.headers()));
        } else {
            reject(in, received.bytes(), violations, now);
        }
    }

    private void reject(Record<byte[], ReceivedRecord> in, byte[] value, List<RecordValidator.Violation> violations, long now) {
        RecordValidator.Violation first = violations.getFirst();
        metrics.deadLettered(DeadLetters.VALIDATE, first.rule());
        String reason = violations.stream().map(RecordValidator.Violation::toString).collect(Collectors.joining("; "));
        DeadLetters.Source source = context.recordMetadata()
                .map((RecordMetadata m) -> new DeadLetters.Source(m.topic(), m.partition(), m.offset())).orElse(null);
        context.forward(new Record<String, Validated>(null, new Validated.Rejected(in.key(), value), in.timestamp(),
                DeadLetters.headers(in.headers(), DeadLetters.VALIDATE, first.rule(), reason, source, now)));
    }

    private static boolean hasControls(ReadOnlyKeyValueStore<String, ValueAndTimestamp<ControlDefinition>> catalog, String framework) {
        try (KeyValueIterator<String, ValueAndTimestamp<ControlDefinition>> it =
                     catalog.prefixScan(framework + ":", new StringSerializer())) {
            return it.hasNext();
        }
    }
}
