package org.compliancepipeline.streams;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.schemas.EnrichmentFlag;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the topology counts beyond Kafka Streams' own metrics (which the Micrometer
 * {@code KafkaStreamsMetrics} binder exports). Counted when a record is processed, so a record
 * reprocessed after an aborted transaction counts again: these are rates for operators, the
 * topics are the record of truth.
 *
 * <ul>
 *   <li>{@code stream_processor_dead_letters_total{stage,rule}}: records sent to the dead-letter topic;</li>
 *   <li>{@code stream_processor_duplicates_total}: records dropped as duplicates of a recordId already seen;</li>
 *   <li>{@code stream_processor_enrichment_flags_total{flag}}: records passed on with UNKNOWN_CONTROL, UNKNOWN_ORG, FRAMEWORK_NOT_ADOPTED;</li>
 *   <li>{@code stream_processor_stale_status_total}: records older than the control status they would replace (kept in the
 *       enriched output, not in the status);</li>
 *   <li>{@code stream_processor_late_stats_records_total}: records whose hourly window had closed (grace period over)
 *       when they arrived: enriched, not counted in the hourly stats.</li>
 * </ul>
 */
public final class PipelineMetrics {
    private final MeterRegistry registry;
    private final Counter duplicates;
    private final Counter staleStatus;
    private final Counter lateStats;
    private final Map<EnrichmentFlag, Counter> flags = new EnumMap<>(EnrichmentFlag.class);
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();

    public PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.duplicates = Counter.builder("stream.processor.duplicates")
                .description("Records dropped because their recordId was already seen within the dedup retention")
                .register(registry);
        this.staleStatus = Counter.builder("stream.processor.stale.status")
                .description("Records older than the control status they would replace")
                .register(registry);
        this.lateStats = Counter.builder("stream.processor.late.stats.records")
                .description("Records whose hourly statistics window had closed when they arrived (not counted in the stats)")
                .register(registry);
        for (EnrichmentFlag flag : EnrichmentFlag.values()) {
            flags.put(flag, Counter.builder("stream.processor.enrichment.flags").tag("flag", flag.name())
                    .description("Records passed on with an enrichment flag").register(registry));
        }
    }

    /** Counters nobody reads: for tools and tests that do not care. */
    public static PipelineMetrics discarding() {
        return new PipelineMetrics(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void deadLettered(String stage, String rule) {
        deadLetters.computeIfAbsent(stage + '\0' + rule, k -> Counter.builder("stream.processor.dead.letters")
                .tag("stage", stage).tag("rule", rule)
                .description("Records sent to the dead-letter topic").register(registry)).increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void flagged(EnrichmentFlag flag) {
        flags.get(flag).increment();
    }

    public void staleStatus() {
        staleStatus.increment();
    }

    public void lateStatsRecord() {
        lateStats.increment();
    }
}
