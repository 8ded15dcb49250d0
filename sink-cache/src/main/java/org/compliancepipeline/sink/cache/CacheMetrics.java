package org.compliancepipeline.sink.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * sink-cache's own metrics, beside the sink runtime's ({@code sink_*}). Prometheus names:
 * <ul>
 *   <li>{@code sink_cache_updates_total{kind=record|status|score|leaderboard, result=applied|unchanged|deleted|expired|ignored}}:
 *       what each consumed update did to Redis (unchanged = older, duplicate or replayed: newer state kept);</li>
 *   <li>{@code sink_cache_live_events_total}: score changes published on the stream and/or channel;</li>
 *   <li>{@code sink_cache_redis_commands_total}: commands sent to Redis (SET, EVALSHA, SCRIPT LOAD), retries included;</li>
 *   <li>{@code sink_cache_redis_connects_total}, {@code sink_cache_script_loads_total{reason=connect|noscript}}.</li>
 * </ul>
 */
final class CacheMetrics {
    enum Kind { RECORD, STATUS, SCORE, LEADERBOARD }
    enum Result { APPLIED, UNCHANGED, DELETED, EXPIRED, IGNORED }

    private final Map<Kind, Map<Result, Counter>> updates = new EnumMap<>(Kind.class);
    final Counter liveEvents;
    final Counter commands;
    final Counter connects;
    final Counter scriptLoadsOnConnect;
    final Counter scriptReloads;

    CacheMetrics(MeterRegistry registry) {
        for (Kind kind : Kind.values()) {
            Map<Result, Counter> byResult = new EnumMap<>(Result.class);
            for (Result result : Result.values()) {
                byResult.put(result, Counter.builder("sink.cache.updates").description("updates consumed, by what they did to Redis")
                        .tags("kind", lower(kind), "result", lower(result)).register(registry));
            }
            updates.put(kind, byResult);
        }
        liveEvents = Counter.builder("sink.cache.live.events").description("score changes published on the stream / channel").register(registry);
        commands = Counter.builder("sink.cache.redis.commands").description("commands sent to Redis, retries included").register(registry);
        connects = Counter.builder("sink.cache.redis.connects").description("connections opened to Redis").register(registry);
        scriptLoadsOnConnect = Counter.builder("sink.cache.script.loads").description("SCRIPT LOAD rounds")
                .tags("reason", "connect").register(registry);
        scriptReloads = Counter.builder("sink.cache.script.loads").description("SCRIPT LOAD rounds")
                .tags("reason", "noscript").register(registry);
    }

    void update(Kind kind, Result result, long count) {
        if (count > 0) updates.get(kind).get(result).increment(count);
    }

    double count(Kind kind, Result result) {
        return updates.get(kind).get(result).count();
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }
}
