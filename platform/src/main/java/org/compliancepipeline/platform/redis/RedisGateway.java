package org.compliancepipeline.platform.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.StaticCredentialsProvider;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one Redis connection of the service (Lettuce multiplexes every request over it), kept
 * alive by a background probe. While Redis is unreachable, commands fail at once instead of
 * queueing ({@code REJECT_COMMANDS}), so a request never waits longer than the command timeout.
 * Starting while Redis is down is allowed: the probe connects when it comes.
 */
public final class RedisGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisGateway.class);
    static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private final RedisClient client;
    private final String where;
    private final ScheduledExecutorService probe;
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile String lastError = "not connected yet";

    private RedisGateway(String url, Secret password, Duration timeout, Duration probeInterval) {
        RedisURI uri = RedisURI.create(url);
        if (password.isPresent()) uri.setCredentialsProvider(new StaticCredentialsProvider(null, password.value().toCharArray()));
        uri.setTimeout(timeout);
        this.where = uri.getHost() + ":" + uri.getPort();
        this.client = RedisClient.create(uri);
        client.setOptions(ClientOptions.builder()
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(timeout.multipliedBy(2)).build())
                .build());
        this.probe = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("redis-probe").factory());
        check();
        probe.scheduleWithFixedDelay(this::check, probeInterval.toMillis(), probeInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public static RedisGateway connect(String url, Secret password, Duration timeout, Duration probeInterval) {
        return new RedisGateway(url, password, timeout, probeInterval);
    }

    /** The live connection; throws {@link RedisUnavailable} when there is none. */
    public StatefulRedisConnection<String, byte[]> connection() {
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c == null || !c.isOpen()) throw new RedisUnavailable("Redis at " + where + " is not reachable: " + lastError);
        return c;
    }

    public boolean reachable() {
        return lastError == null;
    }

    private void check() {
        try {
            StatefulRedisConnection<String, byte[]> c = connection;
            if (c == null) {
                c = client.connect(CODEC);
                connection = c;
                log.info("connected to Redis at {}", where);
            }
            c.sync().ping();
            if (lastError != null && !lastError.equals("not connected yet")) log.info("Redis at {} reachable again", where);
            lastError = null;
        } catch (RuntimeException e) {
            if (lastError == null) log.warn("Redis at {} not reachable: {}", where, e.toString());
            lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    public HealthCheck healthCheck() {
        return () -> lastError == null ? HealthCheck.Result.ready("connected to " + where)
                : HealthCheck.Result.notReady("Redis at " + where + " not reachable: " + lastError);
    }

    @Override
    public void close() {
        probe.shutdownNow();
        StatefulRedisConnection<String, byte[]> c = connection;
        if (c != null) c.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    /** Redis cannot answer now; the caller decides whether that fails the request. */
    public static final class RedisUnavailable extends RuntimeException {
        public RedisUnavailable(String message) {
            super(message);
        }

        public RedisUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
