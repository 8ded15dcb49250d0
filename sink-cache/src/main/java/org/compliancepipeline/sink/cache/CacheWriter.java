package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import org.compliancepipeline.sink.cache.BatchPlan.RecordWrite;
import org.compliancepipeline.sink.cache.BatchPlan.ScriptCall;
import org.compliancepipeline.sink.cache.BatchPlan.Update;
import org.compliancepipeline.sink.cache.CacheMetrics.Kind;
import org.compliancepipeline.sink.cache.CacheMetrics.Result;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.SinkWriter;
import org.compliancepipeline.sink.runtime.WriteResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * Writes one batch to Redis over this writer's own connection, pipelined: every command of the batch
 * is queued with auto-flush off, sent with one {@code flushCommands()}, and the batch succeeds only
 * when every reply is in, so offsets are committed only after Redis acknowledged.
 *
 * <p>Replies are per command, so failures are per record: a record whose command failed with a data
 * error is poison (dead-lettered), one that failed because of the server or the connection is retried,
 * the others are stored. When every command failed for a retryable reason (Redis down) the batch as a
 * whole fails, with the cause in the log. Scripts missing on the server (NOSCRIPT after a restart or a
 * {@code SCRIPT FLUSH}) are loaded again and the affected calls resent once within the same write.
 * A connection that broke or timed out is dropped; the next write opens a new one (Lettuce's own
 * reconnect is off, so nothing is replayed behind the sink's back).
 */
final class CacheWriter implements SinkWriter<CacheUpdate> {
    private static final Logger log = LoggerFactory.getLogger(CacheWriter.class);

    private final RedisClient client;
    private final RedisURI uri;
    private final CacheSinkConfig config;
    private final CacheMetrics metrics;
    private final LongSupplier clock;
    private StatefulRedisConnection<byte[], byte[]> connection;

    CacheWriter(RedisClient client, CacheSinkConfig config, CacheMetrics metrics, LongSupplier clock) {
        this.client = client;
        this.uri = config.redisUri();
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
    }

    @Override
    public WriteResult<CacheUpdate> write(List<SinkRecord<CacheUpdate>> records) throws Exception {
        BatchPlan plan = BatchPlan.of(records, config, clock.getAsLong());
        Map<Update, Throwable> failed = Map.of();
        if (!plan.updates.isEmpty()) {
            StatefulRedisConnection<byte[], byte[]> c = connection();
            failed = send(c, plan.updates);
            List<Update> noScript = failed.entrySet().stream().filter(e -> RedisFailures.isNoScript(e.getValue())).map(Map.Entry::getKey).toList();
            if (!noScript.isEmpty()) {
                log.info("Redis lost the scripts (restart or SCRIPT FLUSH): loading them again and resending {} call(s)", noScript.size());
                loadScripts(c);
                metrics.scriptReloads.increment();
                failed.keySet().removeAll(noScript);
                failed.putAll(send(c, noScript));
            }
            if (failed.values().stream().anyMatch(e -> !RedisFailures.isServerReply(e))) dropConnection();
            if (failed.size() == plan.updates.size() && failed.values().stream().allMatch(e -> RedisFailures.classify(e) == FailureKind.RETRYABLE)) {
                Throwable first = RedisFailures.unwrap(failed.values().iterator().next());
                throw first instanceof Exception ex ? ex : new IllegalStateException(first);
            }
        }
        metrics.update(Kind.RECORD, Result.EXPIRED, plan.expiredRecords);
        metrics.update(Kind.RECORD, Result.IGNORED, plan.ignoredTombstones);
        if (failed.isEmpty() && plan.refused.isEmpty()) return WriteResult.complete();
        return WriteResult.withFailures(failures(records, plan, failed));
    }

    /** Failures in batch order; a record is retried when any of its commands failed retryably, else dead-lettered. */
    private static List<WriteResult.Failure<CacheUpdate>> failures(List<SinkRecord<CacheUpdate>> records, BatchPlan plan,
                                                                      Map<Update, Throwable> failed) {
        Map<SinkRecord<CacheUpdate>, WriteResult.Failure<CacheUpdate>> byRecord = new IdentityHashMap<>();
        plan.refused.forEach(f -> byRecord.put(f.record(), f));
        failed.forEach((update, error) -> {
            Throwable cause = RedisFailures.unwrap(error);
            FailureKind kind = RedisFailures.classify(cause);
            for (SinkRecord<CacheUpdate> r : update.sources()) {
                byRecord.merge(r, new WriteResult.Failure<>(r, kind, cause),
                        (a, b) -> a.kind() == FailureKind.RETRYABLE ? a : b);
            }
        });
        List<WriteResult.Failure<CacheUpdate>> out = new ArrayList<>(byRecord.size());
        for (SinkRecord<CacheUpdate> r : records) {
            WriteResult.Failure<CacheUpdate> f = byRecord.get(r);
            if (f != null) out.add(f);
        }
        return out;
    }

    /** Queues every update, flushes once, awaits every reply; returns the updates that failed, with why. */
    private Map<Update, Throwable> send(StatefulRedisConnection<byte[], byte[]> c, List<Update> updates) throws InterruptedException {
        RedisAsyncCommands<byte[], byte[]> redis = c.async();
        List<RedisFuture<?>> futures = new ArrayList<>(updates.size());
        for (Update u : updates) {
            futures.add(switch (u) {
                case RecordWrite w -> w.expireAtMillis() > 0
                        ? redis.set(w.key(), w.json(), SetArgs.Builder.pxAt(w.expireAtMillis()))
                        : redis.set(w.key(), w.json());
                case ScriptCall s -> redis.evalsha(s.script().sha(), ScriptOutputType.MULTI, s.keys(), s.args());
            });
        }
        c.flushCommands();
        metrics.commands.increment(updates.size());

        Map<Update, Throwable> failed = new LinkedHashMap<>();
        long deadline = System.nanoTime() + config.redisTimeout().toNanos();
        for (int i = 0; i < futures.size(); i++) {
            Update u = updates.get(i);
            try {
                Object reply = futures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                account(u, reply);
            } catch (ExecutionException e) {
                failed.put(u, e.getCause());
            } catch (TimeoutException e) {
                failed.put(u, new RedisCommandTimeoutException("no reply from Redis within " + config.redisTimeout().toMillis() + " ms"));
            }
        }
        return failed;
    }

    private void account(Update u, Object reply) {
        switch (u) {
            case RecordWrite w -> metrics.update(Kind.RECORD, Result.APPLIED, 1);
            case ScriptCall s -> {
                Kind kind = switch (s.script()) {
                    case STATUS -> Kind.STATUS;
                    case SCORE -> Kind.SCORE;
                    case LEADERBOARD -> Kind.LEADERBOARD;
                };
                long applied = 0, unchanged = 0, deleted = 0;
                if (reply instanceof List<?> results) {
                    for (Object r : results) {
                        long code = r instanceof Long l ? l : -1;
                        if (code == 1) applied++;
                        else if (code == 2) deleted++;
                        else unchanged++;
                    }
                }
                metrics.update(kind, Result.APPLIED, applied);
                metrics.update(kind, Result.UNCHANGED, unchanged);
                metrics.update(kind, Result.DELETED, deleted);
                if (kind == Kind.LEADERBOARD && (config.stream() != null || config.channel() != null)) {
                    metrics.liveEvents.increment(applied + deleted);
                }
            }
        }
    }

    private StatefulRedisConnection<byte[], byte[]> connection() throws Exception {
        if (connection != null && connection.isOpen()) return connection;
        dropConnection();
        StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE, uri);
        try {
            c.setAutoFlushCommands(false);
            loadScripts(c);
            metrics.scriptLoadsOnConnect.increment();
        } catch (Exception e) {
            c.closeAsync();
            throw e;
        }
        metrics.connects.increment();
        log.info("connected to Redis at {}", config.redisEndpoint());
        connection = c;
        return c;
    }

    private void loadScripts(StatefulRedisConnection<byte[], byte[]> c) throws Exception {
        List<RedisFuture<String>> loads = new ArrayList<>();
        for (CacheScript s : CacheScript.ALL) loads.add(c.async().scriptLoad(s.source().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        c.flushCommands();
        metrics.commands.increment(loads.size());
        Duration timeout = config.redisTimeout();
        for (int i = 0; i < loads.size(); i++) {
            String sha;
            try {
                sha = loads.get(i).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw RedisFailures.unwrap(e) instanceof Exception ex ? ex : e;
            } catch (TimeoutException e) {
                throw new RedisCommandTimeoutException("SCRIPT LOAD: no reply within " + timeout.toMillis() + " ms");
            }
            CacheScript script = CacheScript.ALL.get(i);
            if (!script.sha().equals(sha)) {
                throw new IllegalStateException("Redis names " + script + " " + sha + ", expected " + script.sha());
            }
        }
    }

    private void dropConnection() {
        if (connection != null) {
            connection.closeAsync();
            connection = null;
        }
    }

    @Override
    public FailureKind classify(Throwable error) {
        return RedisFailures.classify(error);
    }

    @Override
    public void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
