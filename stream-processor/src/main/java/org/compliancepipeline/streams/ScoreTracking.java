package org.compliancepipeline.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.Keys;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stage 6: the score per (org, framework), kept up to date from each control-status change on the
 * org's own partition: the change's old contribution is subtracted and its new one added
 * ({@link ScoreTotals}), nothing is recomputed and nothing is repartitioned.
 *
 * <p><b>Emission.</b> A changed score is marked pending in its store entry and published at the
 * next emission tick ({@code emitInterval}, the commit interval: at most one score per org and
 * framework per commit, like a record cache flushing at each commit). The pending mark is part of
 * the stored state, so it is committed in the same transaction as the totals: after a failover the
 * new owner restores the store, finds the pending scores and publishes them. Every status change
 * counts, also one that leaves the totals as they were (a newer assessment with the same status):
 * the score is published again with its new {@code updatedAt}, the processing time of the last
 * change (not of the emission), so a score's age says when its org was last assessed.
 */
final class ScoreTracking implements Processor<String, StatusChange, String, ComplianceScore> {
    static final String STORE = "score-by-org-framework";

    /** A score's totals, when they last changed, and whether that change is still to be published. */
    record State(ScoreTotals totals, long updatedAt, boolean pending) {
        static final State EMPTY = new State(ScoreTotals.EMPTY, 0, false);
    }

    private final Duration emitInterval;
    private final Set<String> pending = new LinkedHashSet<>();
    private ProcessorContext<String, ComplianceScore> context;
    private KeyValueStore<String, State> scores;

    ScoreTracking(Duration emitInterval) {
        this.emitInterval = emitInterval;
    }

    static StoreBuilder<KeyValueStore<String, State>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), STATE_SERDE)
                .withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, ComplianceScore> context) {
        this.context = context;
        this.scores = context.getStateStore(STORE);
        pending.clear();
        try (KeyValueIterator<String, State> all = scores.all()) {      // restored state: publish what was pending
            all.forEachRemaining(e -> { if (e.value.pending()) pending.add(e.key); });
        }
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit());
    }

    @Override
    public void process(Record<String, StatusChange> in) {
        ControlStatus s = in.value().status();
        String key = Keys.score(s.getOrgId(), s.getFramework());
        State state = scores.get(key);
        if (state == null) state = State.EMPTY;
        ScoreTotals totals = state.totals().replace(in.value().previous(), in.value().current());
        scores.put(key, new State(totals, context.currentSystemTimeMs(), true));
        pending.add(key);
    }

    private void emit() {
        if (pending.isEmpty()) return;
        List<KeyValue<String, State>> published = new ArrayList<>(pending.size());
        for (String key : pending) {
            State state = scores.get(key);
            if (state == null || !state.pending()) continue;
            int slash = key.indexOf('/');
            ComplianceScore score = state.totals().toScore(key.substring(0, slash), key.substring(slash + 1),
                    Instant.ofEpochMilli(state.updatedAt()));
            context.forward(new Record<>(key, score, context.currentSystemTimeMs()));
            published.add(KeyValue.pair(key, new State(state.totals(), state.updatedAt(), false)));
        }
        scores.putAll(published);
        pending.clear();
    }

    private static final int STATE_SIZE = ScoreTotals.SIZE + 8 + 1;

    /** The totals ({@link ScoreTotals#writeTo}), 8 bytes updatedAt, 1 byte pending. */
    static final Serde<State> STATE_SERDE = Serdes.serdeFrom(
            (topic, s) -> s == null ? null
                    : s.totals().writeTo(ByteBuffer.allocate(STATE_SIZE)).putLong(s.updatedAt()).put((byte) (s.pending() ? 1 : 0)).array(),
            (topic, data) -> {
                if (data == null) return null;
                if (data.length != STATE_SIZE) throw new SerializationException("not a score state (" + data.length + " bytes)");
                ByteBuffer b = ByteBuffer.wrap(data);
                return new State(ScoreTotals.readFrom(b), b.getLong(), b.get() == 1);
            });
}
