package org.compliancepipeline.sink.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.schemas.Topic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a sink: {@link SinkConfig#consumers()} loops, each with its own consumer and writer, in one
 * consumer group; more instances of the service join the same group and share the partitions.
 *
 * <pre>{@code
 * var sink = SinkRuntime.start(config, runtime.kafka(), runtime.registry(), decoder, deadLetterTopic, () -> new MyWriter(pool));
 * runtime.ops().register("sink", sink.health());
 * runtime.shutdown().register("sink", sink);
 * }</pre>
 */
public final class SinkRuntime<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SinkRuntime.class);

    private final SinkConfig config;
    private final SinkMetrics metrics;
    private final KafkaProducer<byte[], byte[]> deadLetterProducer;
    private final List<SinkLoop<V>> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();

    private SinkRuntime(SinkConfig config, SinkMetrics metrics, KafkaProducer<byte[], byte[]> deadLetterProducer) {
        this.config = config;
        this.metrics = metrics;
        this.deadLetterProducer = deadLetterProducer;
    }

    public static <V> SinkRuntime<V> start(SinkConfig config, KafkaClients kafka, MeterRegistry registry, RecordDecoder<V> decoder,
                                           Topic<byte[], byte[]> deadLetterTopic, Supplier<SinkWriter<V>> writers) {
        SinkMetrics metrics = new SinkMetrics(registry, config.name());
        KafkaProducer<byte[], byte[]> dlq = kafka.producer(config.name() + "-dlq", deadLetterTopic);
        SinkRuntime<V> runtime = new SinkRuntime<>(config, metrics, dlq);
        for (int i = 0; i < config.consumers(); i++) {
            var consumer = kafka.rawConsumer(config.groupId(), config.name() + "-" + i, Map.of(
                    ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords(),
                    ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 64 * 1024,
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100,
                    ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024));
            SinkLoop<V> loop = new SinkLoop<>(config, consumer, decoder, writers.get(),
                    new DeadLetters(dlq, deadLetterTopic.name(), config.name()), metrics);
            runtime.loops.add(loop);
            Thread t = Thread.ofPlatform().name(config.name() + "-loop-" + i).uncaughtExceptionHandler(
                    (th, e) -> log.error("sink {}: {} died", config.name(), th.getName(), e)).start(loop);
            runtime.threads.add(t);
        }
        log.info("sink {} consuming {} with {} loop(s) in group {}", config.name(), config.topics(), config.consumers(), config.groupId());
        return runtime;
    }

    /** Not ready when writes have failed for longer than {@link SinkConfig#notReadyAfter()} or a loop died. */
    public HealthCheck health() {
        return () -> {
            long dead = threads.stream().filter(t -> !t.isAlive()).count();
            if (dead > 0) return HealthCheck.Result.notReady(dead + " consumer loop(s) stopped");
            Duration failing = metrics.failingFor();
            if (failing.compareTo(config.notReadyAfter()) > 0) {
                return HealthCheck.Result.notReady("writes failing for " + failing.toSeconds() + " s");
            }
            return HealthCheck.Result.ready(failing.isZero() ? "writing" : "retrying for " + failing.toSeconds() + " s");
        };
    }

    public boolean isRunning() {
        return threads.stream().anyMatch(Thread::isAlive);
    }

    /** Stops the loops (each finishes or abandons its batch and commits what is stored), then the DLQ producer. */
    @Override
    public void close() throws InterruptedException {
        loops.forEach(SinkLoop::stop);
        for (Thread t : threads) t.join(Duration.ofSeconds(60));
        deadLetterProducer.close(Duration.ofSeconds(10));
    }
}
