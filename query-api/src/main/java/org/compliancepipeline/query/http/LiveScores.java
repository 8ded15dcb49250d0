package org.compliancepipeline.query.http;

import io.javalin.http.Context;
import io.lettuce.core.StreamMessage;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.http.ApiError;
import org.compliancepipeline.query.store.CacheStore;
import org.compliancepipeline.query.store.StoreDown;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Live score updates as server-sent events: the cache sink appends every applied score change to
 * the framework's Redis stream ({@code cp:scores:{fw}}); this follows it from "now" and forwards the
 * changes of the orgs the key may read ({@code event: score}, data = the stream entry as JSON).
 * A stream ends after {@code maxDuration}; browsers reconnect by themselves.
 */
public final class LiveScores {
    private final CacheStore cache;
    private final Duration poll;
    private final Duration maxDuration;

    public LiveScores(CacheStore cache, Duration poll, Duration maxDuration) {
        this.cache = cache;
        this.poll = poll;
        this.maxDuration = maxDuration;
    }

    void stream(Context ctx, ApiKey key, String framework, AtomicBoolean stopping) throws IOException {
        String last;
        try {
            last = cache.lastScoreChangeId(framework);
        } catch (StoreDown e) {
            throw ApiError.of(503, "store_unavailable", "redis cannot answer now; live updates need it").with("store", "redis")
                    .retryAfter(Duration.ofSeconds(2));
        }
        ctx.status(200);
        ctx.res().setContentType("text/event-stream;charset=utf-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no");
        OutputStream out = ctx.res().getOutputStream();
        write(out, ": live score updates of " + framework + " from redis\nretry: 2000\n\n");
        long deadline = System.nanoTime() + maxDuration.toNanos();
        long lastWrite = System.nanoTime();
        try {
            while (!stopping.get() && System.nanoTime() < deadline) {
                var changes = cache.scoreChanges(framework, last, 200);
                for (StreamMessage<String, byte[]> m : changes) {
                    last = m.getId();
                    Map<String, Object> event = new LinkedHashMap<>();
                    m.getBody().forEach((k, v) -> event.put(k, new String(v, StandardCharsets.UTF_8)));
                    Object org = event.get("orgId");
                    if (org == null || !key.mayRead(org.toString())) continue;
                    event.put("id", m.getId());
                    event.put("source", CacheStore.NAME);
                    write(out, "id: " + m.getId() + "\nevent: score\ndata: " + QueryServer.JSON.writeValueAsString(event) + "\n\n");
                    lastWrite = System.nanoTime();
                }
                if (System.nanoTime() - lastWrite > Duration.ofSeconds(15).toNanos()) {
                    write(out, ": keep-alive\n\n");
                    lastWrite = System.nanoTime();
                }
                if (changes.isEmpty()) Thread.sleep(poll.toMillis());
            }
        } catch (StoreDown e) {
            write(out, "event: unavailable\ndata: {\"store\":\"redis\"}\n\n");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the client went away
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
