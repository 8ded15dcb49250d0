package org.compliancepipeline.sink.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A sink's metrics, shared by its loops. Prometheus names: {@code sink_records_written_total},
 * {@code sink_batch_records}, {@code sink_write_seconds} (histogram), {@code sink_write_retries_total},
 * {@code sink_dlq_records_total}, {@code sink_partition_lag}, {@code sink_last_success_age_seconds},
 * {@code sink_write_failing}; every one tagged {@code sink}.
 */
final class SinkMetrics {
    private final MeterRegistry registry;
    private final String sink;
    final Counter written;
    final DistributionSummary batchRecords;
    final Timer writeLatency;
    final Counter retries;
    final AtomicLong lastSuccessMillis = new AtomicLong(System.currentTimeMillis());
    private final Map<TopicPartition, AtomicLong> lag = new ConcurrentHashMap<>();
    private final Map<String, Counter> dlq = new ConcurrentHashMap<>();
    private final Map<Object, AtomicLong> failingSince = new ConcurrentHashMap<>();

    SinkMetrics(MeterRegistry registry, String sink) {
        this.registry = registry;
        this.sink = sink;
        Tags tags = Tags.of("sink", sink);
        written = Counter.builder("sink.records.written").description("records stored").tags(tags).register(registry);
        batchRecords = DistributionSummary.builder("sink.batch.records").description("records per write")
                .tags(tags).publishPercentileHistogram().register(registry);
        writeLatency = Timer.builder("sink.write").description("time of one write to the store")
                .tags(tags).publishPercentileHistogram().publishPercentiles(0.5, 0.99).minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
        retries = Counter.builder("sink.write.retries").description("failed writes retried").tags(tags).register(registry);
        Gauge.builder("sink.last.success.age.seconds", lastSuccessMillis, t -> (System.currentTimeMillis() - t.get()) / 1000.0)
                .description("seconds since the last successful write (or start)").tags(tags).register(registry);
        Gauge.builder("sink.write.failing", failingSince, m -> m.values().stream().anyMatch(v -> v.get() > 0) ? 1 : 0)
                .description("1 while writes are failing").tags(tags).register(registry);
    }

    void deadLettered(Throwable error) {
        dlq.computeIfAbsent(error.getClass().getSimpleName(), e -> Counter.builder("sink.dlq.records")
                .description("records sent to the dead-letter topic").tags("sink", sink, "error", e).register(registry)).increment();
    }

    AtomicLong failingSince(Object loop) {
        return failingSince.computeIfAbsent(loop, l -> new AtomicLong());
    }

    /** Longest time any loop has been failing, zero when none is. */
    Duration failingFor() {
        long now = System.currentTimeMillis();
        return Duration.ofMillis(failingSince.values().stream().mapToLong(AtomicLong::get).filter(v -> v > 0)
                .map(v -> now - v).max().orElse(0));
    }

    void updateLag(Consumer<?, ?> consumer) {
        for (TopicPartition tp : consumer.assignment()) {
            OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent()) {
                lag.computeIfAbsent(tp, p -> {
                    AtomicLong v = new AtomicLong();
                    Gauge.builder("sink.partition.lag", v, AtomicLong::get).description("records behind the end of the partition")
                            .tags("sink", sink, "topic", p.topic(), "partition", String.valueOf(p.partition())).register(registry);
                    return v;
                }).set(l.getAsLong());
            }
        }
    }

    void unassigned(TopicPartition tp) {
        AtomicLong v = lag.get(tp);
        if (v != null) v.set(0);
    }
}
