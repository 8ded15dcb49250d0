package org.compliancepipeline.streams;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;

import java.time.Duration;
import java.time.Instant;

/**
 * Stage 7: counts per (org, framework, status, family) in tumbling one-hour windows of
 * {@code observedAt}. Each enriched record becomes a count of 1 keyed
 * {@code org/framework/STATUS/family} and timed at its observedAt (so windows are hours of
 * assessment, not of arrival); the windowed count turns back into {@link ComplianceStats}.
 */
final class HourlyStats {
    private HourlyStats() { }

    static final Duration WINDOW = Duration.ofHours(1);
    /** The family of a control missing from the catalog. */
    static final String UNKNOWN_FAMILY = "unknown";

    /** Keys a record by its statistics group and re-times it to its observedAt. */
    static final class Keying implements Processor<String, EnrichedRecord, String, Integer> {
        private ProcessorContext<String, Integer> context;

        @Override
        public void init(ProcessorContext<String, Integer> context) {
            this.context = context;
        }

        @Override
        public void process(Record<String, EnrichedRecord> in) {
            ComplianceRecord r = in.value().getRecord();
            String family = in.value().getControl() == null ? UNKNOWN_FAMILY : in.value().getControl().getFamily();
            String group = r.getOrgId() + "/" + r.getFramework() + "/" + r.getStatus().name() + "/" + family;
            context.forward(new Record<>(group, 1, r.getObservedAt().toEpochMilli(), in.headers()));
        }
    }

    static KeyValue<String, ComplianceStats> toStats(Windowed<String> window, Long count) {
        String[] g = window.key().split("/", 4);
        ComplianceStatus status = ComplianceStatus.valueOf(g[2]);
        Instant start = Instant.ofEpochMilli(window.window().start());
        ComplianceStats stats = new ComplianceStats(g[0], g[1], status, g[3], start, Instant.ofEpochMilli(window.window().end()),
                count == null ? 0L : count);
        return KeyValue.pair(Keys.hourlyStats(g[0], g[1], status, g[3], start), stats);
    }
}
