package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Stage 7: counts per (org, framework, status, family) in tumbling one-hour windows of
 * {@code observedAt} (hours of assessment, not of arrival), with a grace period for late records.
 *
 * <p>Every group of an org belongs to the org, and the org's records are all in its partition, so
 * the counts are kept in a store of the org's task: no repartitioning. The store is keyed by the
 * window start (8 bytes, big-endian with the sign bit flipped, so windows sort by time) followed by the group
 * {@code org/framework/STATUS/family}; a value is the count and a pending flag. It also keeps the
 * task's stream time (the greatest observedAt seen) under the empty key, written whenever it closes
 * a window and committed with the counts, so a restarted task closes windows exactly where the
 * failed one did.
 *
 * <p>A window closes when stream time reaches its end plus the grace; a record for a closed window
 * is not counted (it is still enriched) and is counted in
 * {@code stream_processor_late_stats_records_total}. What is published, at each emission tick
 * ({@code emitInterval}, the commit interval):
 * <ul>
 *   <li>{@code updates}: every window whose count changed since the last tick, with its current
 *       count (so a count changes at most once per commit); the last emission of a window is its
 *       final count;</li>
 *   <li>{@code final}: each window once, when it has closed.</li>
 * </ul>
 * Closed windows are deleted from the store after their last emission. As with the score, the
 * pending flags are stored, so a failover publishes what the failed task had not.
 */
final class HourlyStats implements Processor<String, Enriched, String, ComplianceStats> {
    static final String STORE = "hourly-stats-by-window";
    static final Duration WINDOW = Duration.ofHours(1);
    /** The family of a control missing from the catalog. */
    static final String UNKNOWN_FAMILY = "unknown";

    private static final long WINDOW_MS = WINDOW.toMillis();
    private static final Bytes STREAM_TIME = Bytes.wrap(new byte[0]);
    private static final byte PENDING = 1;
    private static final byte PUBLISHED = 0;

    private final long graceMs;
    private final boolean finalOnly;
    private final Duration emitInterval;
    private final PipelineMetrics metrics;
    private final Set<Bytes> pending = new LinkedHashSet<>();
    private ProcessorContext<String, ComplianceStats> context;
    /**
     * Window counts read from the store without its layers, per task (an instance runs up to 12
     * tasks: at about 150 bytes an entry, at most about 36 MB of heap).
     */
    private static final int RECENT = 20_000;

    private KeyValueStore<Bytes, byte[]> store;
    private RecentValues<Bytes, byte[]> counts;
    private long streamTime = Long.MIN_VALUE;

    HourlyStats(Duration grace, StreamProcessorConfig.StatsEmit emit, Duration emitInterval, PipelineMetrics metrics) {
        this.graceMs = grace.toMillis();
        this.finalOnly = emit == StreamProcessorConfig.StatsEmit.FINAL;
        this.emitInterval = emitInterval;
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<Bytes, byte[]>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.Bytes(), Serdes.ByteArray())
                .withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, ComplianceStats> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.counts = new RecentValues<>(store, RECENT);
        pending.clear();
        byte[] time = store.get(STREAM_TIME);
        streamTime = time == null ? Long.MIN_VALUE : ByteBuffer.wrap(time).getLong();
        if (!finalOnly) {
            try (KeyValueIterator<Bytes, byte[]> all = store.all()) {    // restored state: publish what was pending
                all.forEachRemaining(e -> { if (e.key.get().length > 8 && e.value[8] == PENDING) pending.add(e.key); });
            }
        }
        context.schedule(emitInterval, PunctuationType.WALL_CLOCK_TIME, now -> emit());
    }

    @Override
    public void process(Record<String, Enriched> in) {
        EnrichedRecord e = in.value().value();
        ComplianceRecord r = e.getRecord();
        long observedAt = r.getObservedAt().toEpochMilli();
        if (observedAt > streamTime) {
            long before = lastClosedStart();
            streamTime = observedAt;
            // Which windows are closed depends only on lastClosedStart(): stored when that moves (once
            // an hour of stream time), a restored task decides exactly as this one did.
            if (lastClosedStart() != before) counts.put(STREAM_TIME, ByteBuffer.allocate(8).putLong(streamTime).array());
        }
        long windowStart = observedAt - Math.floorMod(observedAt, WINDOW_MS);
        if (closed(windowStart)) {
            metrics.lateStatsRecord();
            return;
        }
        String family = e.getControl() == null ? UNKNOWN_FAMILY : e.getControl().getFamily();
        byte[] group = (r.getOrgId() + "/" + r.getFramework() + "/" + r.getStatus().name() + "/" + family)
                .getBytes(StandardCharsets.UTF_8);
        Bytes key = Bytes.wrap(ByteBuffer.allocate(8 + group.length).putLong(windowStart ^ Long.MIN_VALUE).put(group).array());
        byte[] current = counts.get(key);
        long count = current == null ? 1 : ByteBuffer.wrap(current).getLong() + 1;
        counts.put(key, value(count, PENDING));
        if (!finalOnly && (current == null || current[8] != PENDING)) pending.add(key);   // a pending flag is always in the set
    }

    private boolean closed(long windowStart) {
        return streamTime != Long.MIN_VALUE && windowStart <= lastClosedStart();
    }

    /** The start of the latest closed window: a window is closed once stream time reaches its end plus the grace. */
    private long lastClosedStart() {
        if (streamTime == Long.MIN_VALUE) return Long.MIN_VALUE;
        long bound = streamTime - graceMs - WINDOW_MS;
        return bound - Math.floorMod(bound, WINDOW_MS);
    }

    private void emit() {
        if (!finalOnly && !pending.isEmpty()) {
            List<KeyValue<Bytes, byte[]>> published = new ArrayList<>(pending.size());
            for (Bytes key : pending) {
                byte[] v = counts.get(key);
                if (v == null || v[8] != PENDING) continue;
                long count = ByteBuffer.wrap(v).getLong();
                forward(key, count);
                published.add(KeyValue.pair(key, value(count, PUBLISHED)));
            }
            for (KeyValue<Bytes, byte[]> p : published) counts.put(p.key, p.value);
            pending.clear();
        }
        if (streamTime == Long.MIN_VALUE) return;
        // Windows that have closed: publish them (final) and delete them (both modes; in updates mode
        // their last count was published above).
        long lastClosedStart = lastClosedStart();
        List<Bytes> done = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> closed = store.range(window(Long.MIN_VALUE), window(lastClosedStart + 1))) {
            while (closed.hasNext()) {
                KeyValue<Bytes, byte[]> e = closed.next();
                if (e.key.get().length <= 8) continue;
                if (!closed(startOf(e.key))) continue;
                if (finalOnly) forward(e.key, ByteBuffer.wrap(e.value).getLong());
                done.add(e.key);
            }
        }
        for (Bytes key : done) counts.delete(key);
    }

    private void forward(Bytes key, long count) {
        byte[] k = key.get();
        long start = startOf(key);
        String[] g = new String(k, 8, k.length - 8, StandardCharsets.UTF_8).split("/", 4);
        ComplianceStatus status = ComplianceStatus.valueOf(g[2]);
        Instant windowStart = Instant.ofEpochMilli(start);
        ComplianceStats stats = new ComplianceStats(g[0], g[1], status, g[3], windowStart, windowStart.plus(WINDOW), count);
        context.forward(new Record<>(Keys.hourlyStats(g[0], g[1], status, g[3], windowStart), stats, context.currentSystemTimeMs()));
    }

    private static Bytes window(long start) {
        return Bytes.wrap(ByteBuffer.allocate(8).putLong(start ^ Long.MIN_VALUE).array());
    }

    private static long startOf(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong() ^ Long.MIN_VALUE;
    }

    private static byte[] value(long count, byte flag) {
        return ByteBuffer.allocate(9).putLong(count).put(flag).array();
    }
}
