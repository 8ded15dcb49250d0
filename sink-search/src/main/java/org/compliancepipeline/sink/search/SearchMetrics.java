package org.compliancepipeline.sink.search;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * sink-search's own metrics, beside the sink runtime's ({@code sink_*}). Prometheus names:
 * {@code sink_search_bulk_seconds} (histogram, p50/p99; tag {@code outcome}),
 * {@code sink_search_bulk_bytes} (histogram), {@code sink_search_bulk_in_flight},
 * {@code sink_search_items_total} (tag {@code result}: stored, already_stored, superseded, deleted,
 * retryable, poison), {@code sink_search_elasticsearch_up}.
 */
final class SearchMetrics {
    private final MeterRegistry registry;
    private final Timer bulkOk;
    private final Timer bulkFailed;
    private final DistributionSummary bulkBytes;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger up = new AtomicInteger();
    private final Map<String, Counter> items = new ConcurrentHashMap<>();

    SearchMetrics(MeterRegistry registry) {
        this.registry = registry;
        bulkOk = bulkTimer(registry, "ok");
        bulkFailed = bulkTimer(registry, "failed");
        bulkBytes = DistributionSummary.builder("sink.search.bulk.bytes").description("bytes per bulk request body")
                .baseUnit("bytes").tag("sink", SearchSink.NAME).publishPercentileHistogram().register(registry);
        Gauge.builder("sink.search.bulk.in.flight", inFlight, AtomicInteger::get).description("bulk requests awaiting their response")
                .tag("sink", SearchSink.NAME).register(registry);
        Gauge.builder("sink.search.elasticsearch.up", up, AtomicInteger::get).description("1 while the cluster answers and is not red")
                .tag("sink", SearchSink.NAME).register(registry);
    }

    private static Timer bulkTimer(MeterRegistry registry, String outcome) {
        return Timer.builder("sink.search.bulk").description("one bulk request, send to response")
                .tags("sink", SearchSink.NAME, "outcome", outcome)
                .publishPercentileHistogram().publishPercentiles(0.5, 0.99)
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(120)).register(registry);
    }

    void bulkStarted(long bytes) {
        inFlight.incrementAndGet();
        bulkBytes.record(bytes);
    }

    void bulkFinished(long nanos, boolean ok) {
        inFlight.decrementAndGet();
        (ok ? bulkOk : bulkFailed).record(nanos, TimeUnit.NANOSECONDS);
    }

    void items(String result, int count) {
        if (count == 0) return;
        items.computeIfAbsent(result, r -> Counter.builder("sink.search.items").description("bulk items by what became of them")
                .tags("sink", SearchSink.NAME, "result", r).register(registry)).increment(count);
    }

    void up(boolean isUp) {
        up.set(isUp ? 1 : 0);
    }

    Timer bulkLatency() {
        return bulkOk;
    }
}
