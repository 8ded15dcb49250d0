package org.compliancepipeline.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeyStore;
import org.compliancepipeline.ingest.http.HttpServer;
import org.compliancepipeline.ingest.http.JsonBody;
import org.compliancepipeline.ingest.http.RecordEndpoints;
import org.compliancepipeline.ingest.http.RecordStream;
import org.compliancepipeline.ingest.http.RequestGate;
import org.compliancepipeline.ingest.kafka.BrokerProbe;
import org.compliancepipeline.ingest.kafka.RecordPublisher;
import org.compliancepipeline.ingest.records.RecordIntake;
import org.compliancepipeline.ingest.records.RecordReader;
import org.compliancepipeline.ingest.records.RecordValidator;
import org.compliancepipeline.ingest.redis.IdempotencyStore;
import org.compliancepipeline.platform.redis.RateLimiter;
import org.compliancepipeline.platform.redis.RedisGateway;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.OpsServer;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The ingest API wired together, explicitly: keys, Redis, producer, probe, intake, endpoints,
 * server. {@link IngestApiMain} starts it for production; tests start the same thing in-process
 * on port 0. Closing stops it in the reverse order: the server drains first, so the producer
 * is still there to acknowledge what is in flight.
 */
public final class IngestApi implements AutoCloseable {
    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final HttpServer server;
    private final ApiKeyStore keys;
    private final RedisGateway redis;
    private final BrokerProbe broker;
    private final Duration drainGrace;

    private IngestApi(IngestConfig config, KafkaClients kafka, MeterRegistry registry, Duration drainGrace) {
        this.drainGrace = drainGrace;
        IngestMetrics metrics = new IngestMetrics(registry);
        try {
            keys = own(ApiKeyStore.open(config.apiKeysFile(), config.apiKeysReload()));
            redis = own(RedisGateway.connect(config.redisUrl(), config.redisPassword(), config.redisTimeout(), Duration.ofSeconds(1)));
            RecordPublisher publisher = own(new RecordPublisher(kafka, config.topic(), config.producerMaxBlock(), config.deliveryTimeout(), metrics));
            broker = own(new BrokerProbe(kafka.admin("ingest-api-probe"), config.topic(), config.brokerProbeInterval()));

            RateLimiter rateLimiter = new RateLimiter(redis, new ApiKey.RateLimit(config.defaultRatePerSecond(), config.defaultBurst()),
                    config.rateLimitWhenRedisDown());
            // A pending idempotency claim outlives the longest request: send phase plus delivery timeout.
            Duration pendingTtl = config.producerMaxBlock().plus(config.deliveryTimeout()).plusSeconds(30);
            IdempotencyStore idempotency = new IdempotencyStore(redis, config.idempotencyTtl(), pendingTtl);
            RecordValidator validator = new RecordValidator(config.maxFutureSkew(), Clock.systemUTC());
            RecordIntake intake = new RecordIntake(publisher, broker, metrics, config.deliveryTimeout().plusSeconds(2));
            JsonBody json = new JsonBody(config.maxJsonDepth());
            RecordReader reader = new RecordReader(json.mapper(), validator);
            RequestGate gate = new RequestGate(keys, config.maxBodyBytes(), config.maxInflightBodyBytes(), config.retryAfterBusy());
            RecordEndpoints endpoints = new RecordEndpoints(gate, json, rateLimiter, idempotency, intake, reader, metrics,
                    config.maxBatchRecords(), config.oscalSource(), config.retryAfterUnavailable(), config.retryAfterBusy());
            RecordStream stream = new RecordStream(gate, json, reader, rateLimiter, intake, broker, metrics, config.maxLineBytes(),
                    config.retryAfterUnavailable());

            Gauge.builder("ingest.api_keys.reload_failing", keys, k -> k.reloadFailing() ? 1 : 0)
                    .description("1 while a change of the API keys file could not be applied").register(registry);
            Gauge.builder("ingest.kafka.reachable", broker, b -> b.state() == BrokerProbe.State.READY ? 1 : 0).register(registry);
            Gauge.builder("ingest.redis.reachable", redis, r -> r.reachable() ? 1 : 0).register(registry);

            server = own(HttpServer.start(config.httpHost(), config.httpPort(), endpoints, stream, metrics, config.retryAfterBusy()));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Starts the service.
     *
     * @param drainGrace how long stopping waits for requests in flight
     */
    public static IngestApi start(IngestConfig config, KafkaClients kafka, MeterRegistry registry, Duration drainGrace) {
        return new IngestApi(config, kafka, registry, drainGrace);
    }

    public int port() {
        return server.port();
    }

    /** Registers readiness: Kafka topic reachable, Redis reachable, keys file state. */
    public void registerChecks(OpsServer ops) {
        ops.register("kafka", broker.healthCheck());
        ops.register("redis", redis.healthCheck());
        ops.register("api-keys", keys.healthCheck());
    }

    public BrokerProbe broker() {
        return broker;
    }

    public ApiKeyStore keys() {
        return keys;
    }

    private <T extends AutoCloseable> T own(T resource) {
        resources.push(resource);
        return resource;
    }

    @Override
    public void close() {
        AutoCloseable r;
        while ((r = resources.poll()) != null) {
            try {
                if (r instanceof HttpServer s) s.drainAndStop(drainGrace);
                else r.close();
            } catch (Exception ignored) {
                // keep closing the rest
            }
        }
    }
}
