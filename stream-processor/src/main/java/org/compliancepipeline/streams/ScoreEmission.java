package org.compliancepipeline.streams;

import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.compliancepipeline.schemas.ComplianceScore;

import java.time.Instant;

/** Stage 6, last step: the totals of key {@code org/framework} as the published {@link ComplianceScore}. */
final class ScoreEmission implements FixedKeyProcessor<String, ScoreTotals, ComplianceScore> {
    private FixedKeyProcessorContext<String, ComplianceScore> context;

    @Override
    public void init(FixedKeyProcessorContext<String, ComplianceScore> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, ScoreTotals> in) {
        if (in.value() == null) return;
        int slash = in.key().indexOf('/');
        ComplianceScore score = in.value().toScore(in.key().substring(0, slash), in.key().substring(slash + 1),
                Instant.ofEpochMilli(context.currentSystemTimeMs()));
        context.forward(in.withValue(score));
    }
}
