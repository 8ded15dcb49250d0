package org.compliancepipeline.sink.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.micrometer.core.instrument.MeterRegistry;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.sink.runtime.SinkRuntime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * Wires sink-cache: one Lettuce client (its I/O threads shared), the sink loops, each with its own
 * writer and connection. Starts even when Redis is down: writes retry until it answers.
 */
public final class CacheSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CacheSink.class);
    public static final String NAME = "sink-cache";

    private final RedisClient client;
    private final SinkRuntime<CacheUpdate> runtime;

    private CacheSink(RedisClient client, SinkRuntime<CacheUpdate> runtime) {
        this.client = client;
        this.runtime = runtime;
    }

    public static CacheSink start(SinkConfig sinkConfig, CacheSinkConfig config, KafkaClients kafka, MeterRegistry registry) {
        RedisClient client = redisClient(config);
        try {
            CacheMetrics metrics = new CacheMetrics(registry);
            SinkRuntime<CacheUpdate> runtime = SinkRuntime.start(sinkConfig, kafka, registry, new CacheDecoder(config), Topics.SINK_CACHE_DLQ,
                    () -> new CacheWriter(client, config, metrics, System::currentTimeMillis));
            log.info("writing to Redis at {} under prefix '{}' (record TTL {}, stream {}, channel {})", config.redisEndpoint(),
                    config.keyPrefix(), config.recordTtl(), config.stream() == null ? "off" : config.keys().scoreStream("<framework>"),
                    config.channel() == null ? "off" : config.channel());
            return new CacheSink(client, runtime);
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    static RedisClient redisClient(CacheSinkConfig config) {
        RedisClient client = RedisClient.create();
        Duration timeout = config.redisTimeout();
        client.setOptions(ClientOptions.builder()
                // The writer reconnects itself, between batches: Lettuce must not resend commands on its own.
                .autoReconnect(false)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).keepAlive(true).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        return client;
    }

    public HealthCheck health() {
        return runtime.health();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            runtime.close();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }
}
