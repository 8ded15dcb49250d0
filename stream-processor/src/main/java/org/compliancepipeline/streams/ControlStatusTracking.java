package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;

import java.time.Instant;

/**
 * Stage 5: the latest status per (org, framework, control). A record replaces the current status
 * only when it is newer in the order of {@link StatusVersion}; a late or out-of-order record
 * changes nothing (it is still in the enriched output). Each replacement is emitted, keyed
 * {@link Keys#controlStatus}, to the compacted control-status topic.
 *
 * <p>All controls of an org live in the org's partition, so the versions are kept in a store of
 * this task (no repartitioning). The store holds only what the order needs (observedAt, status,
 * recordId) and the weight the status was scored with, not the whole status. Each replacement
 * goes on as a {@link StatusChange}: the new status for the control-status topic, and the old and
 * new score contributions for {@link ScoreTracking}, on the same partition.
 *
 * <p>The weight comes from the catalog at the time of the assessment; a control that is not in
 * the catalog has weight 0 and, by the score rule, does not count in the score.
 */
final class ControlStatusTracking implements Processor<String, Enriched, String, StatusChange> {
    static final String STORE = "control-status-latest";

    private final PipelineMetrics metrics;
    private ProcessorContext<String, StatusChange> context;
    /**
     * Control statuses read from the store without its layers, per task (an instance runs up to 12
     * tasks: at about 250 bytes an entry, at most about 60 MB of heap).
     */
    private static final int RECENT = 20_000;

    private RecentValues<String, StatusVersion> versions;

    ControlStatusTracking(PipelineMetrics metrics) {
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, StatusVersion>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), StatusVersion.SERDE)
                .withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, StatusChange> context) {
        this.context = context;
        this.versions = new RecentValues<>(context.getStateStore(STORE), RECENT);
    }

    @Override
    public void process(Record<String, Enriched> in) {
        EnrichedRecord e = in.value().value();
        ComplianceRecord r = e.getRecord();
        String key = Keys.controlStatus(r.getOrgId(), r.getFramework(), r.getControlId());
        ControlContext control = e.getControl();
        double weight = control == null ? 0.0 : control.getWeight();
        StatusVersion candidate = new StatusVersion(r.getObservedAt().toEpochMilli(), r.getStatus(), r.getRecordId(),
                ScoreTotals.weightMilli(weight));
        StatusVersion current = versions.get(key);
        if (current != null && !candidate.newerThan(current)) {
            metrics.staleStatus();
            return;
        }
        versions.put(key, candidate);
        ControlStatus status = new ControlStatus(r.getOrgId(), r.getFramework(), r.getControlId(), r.getStatus(),
                r.getObservedAt(), r.getRecordId(), r.getScore(), control == null ? null : control.getFamily(),
                weight, Instant.ofEpochMilli(context.currentSystemTimeMs()));
        context.forward(new Record<>(key,
                new StatusChange(status, current == null ? null : current.contribution(), candidate.contribution()), in.timestamp()));
    }
}
