package org.compliancepipeline.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The service's own metrics (Prometheus names in brackets):
 * <ul>
 *   <li>requests by route and status, with latency [{@code ingest_requests_seconds}];</li>
 *   <li>records accepted by route [{@code ingest_records_accepted_total}] and not accepted by reason
 *       [{@code ingest_records_rejected_total}];</li>
 *   <li>produce latency, send to acknowledgement [{@code ingest_produce_latency_seconds}];</li>
 *   <li>records per request by route [{@code ingest_batch_records}];</li>
 *   <li>rate-limit rejections by API key [{@code ingest_ratelimit_rejections_total}].</li>
 * </ul>
 */
public final class IngestMetrics {
    private final MeterRegistry registry;
    private final Timer produceLatency;

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.produceLatency = Timer.builder("ingest.produce.latency")
                .description("Time from handing a record to the producer to Kafka's acknowledgement (acks=all)")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void request(String route, int status, long nanos) {
        Timer.builder("ingest.requests").description("HTTP requests by route and status")
                .tag("route", route).tag("status", String.valueOf(status))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void accepted(String route, int records) {
        if (records > 0) Counter.builder("ingest.records.accepted").tag("route", route).register(registry).increment(records);
    }

    /** @param reason e.g. {@code invalid}, {@code forbidden}, {@code kafka_unavailable}, {@code producer_busy} */
    public void rejected(String reason, int records) {
        if (records > 0) Counter.builder("ingest.records.rejected").tag("reason", reason).register(registry).increment(records);
    }

    public void produced(long nanos) {
        produceLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void batchSize(String route, int records) {
        DistributionSummary.builder("ingest.batch.records").description("Records per request")
                .tag("route", route).publishPercentileHistogram().minimumExpectedValue(1.0).maximumExpectedValue(100_000.0)
                .register(registry).record(records);
    }

    public void rateLimited(String keyId) {
        Counter.builder("ingest.ratelimit.rejections").tag("key", keyId).register(registry).increment();
    }
}
