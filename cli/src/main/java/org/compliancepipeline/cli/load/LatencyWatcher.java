package org.compliancepipeline.cli.load;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * End-to-end latency to each store: sampled record ids are polled in every store until they are visible there;
 * the time from the send of the record's request to the first poll that sees it goes into the store's histogram.
 * The poll interval bounds the resolution (a figure is at most one interval late).
 */
public final class LatencyWatcher implements AutoCloseable {
    /** Latency figures of one store. {@code missing}: samples not visible before the end of the wait. */
    public record StoreLatency(String store, long samples, long seen, long missing, double p50Ms, double p99Ms, double maxMs) { }

    private record Sample(String recordId, long sentNanos) { }

    private final class Tracked {
        final StoreProbe probe;
        final Map<String, Long> pending = new LinkedHashMap<>();
        final Histogram micros = new Histogram(3_600_000_000L, 3);
        long samples;
        volatile String lastError;

        Tracked(StoreProbe probe) {
            this.probe = probe;
        }
    }

    private static final int MAX_IDS_PER_POLL = 500;

    private final List<Tracked> stores = new ArrayList<>();
    /** recordId -> stores that have not shown it yet; when none is left, the record is visible everywhere. */
    private final Map<String, Integer> remaining = new java.util.HashMap<>();
    private final Histogram allMicros = new Histogram(3_600_000_000L, 3);
    private final ConcurrentLinkedQueue<Sample> incoming = new ConcurrentLinkedQueue<>();
    private final Duration pollInterval;
    private final Thread poller;
    private volatile boolean stopping;

    public LatencyWatcher(List<StoreProbe> probes, Duration pollInterval) {
        probes.forEach(p -> stores.add(new Tracked(p)));
        this.pollInterval = pollInterval;
        this.poller = Thread.ofPlatform().daemon().name("latency-watcher").start(this::pollLoop);
    }

    /** Starts watching a record that its target accepted; {@code sentNanos} is when its request went out. */
    public void track(String recordId, long sentNanos) {
        incoming.add(new Sample(recordId, sentNanos));
    }

    public boolean isEmpty() {
        return stores.isEmpty();
    }

    /**
     * Waits until every sample is visible everywhere, or {@code timeout}; then returns the figures per store and,
     * with more than one store, {@code all}: until the record was visible in every store.
     */
    public List<StoreLatency> finish(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && (!incoming.isEmpty() || pendingTotal() > 0)) Thread.sleep(pollInterval.toMillis());
        stopping = true;
        poller.join(10_000);
        List<StoreLatency> out = new ArrayList<>();
        synchronized (this) {
            for (Tracked t : stores) {
                Histogram h = t.micros;
                long seen = h.getTotalCount();
                out.add(new StoreLatency(t.probe.name(), t.samples, seen, t.pending.size(),
                        seen == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0,
                        seen == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0,
                        seen == 0 ? Double.NaN : h.getMaxValue() / 1000.0));
            }
            if (stores.size() > 1) {
                long samples = stores.getFirst().samples;
                long seen = allMicros.getTotalCount();
                out.add(new StoreLatency("all", samples, seen, samples - seen,
                        seen == 0 ? Double.NaN : allMicros.getValueAtPercentile(50) / 1000.0,
                        seen == 0 ? Double.NaN : allMicros.getValueAtPercentile(99) / 1000.0,
                        seen == 0 ? Double.NaN : allMicros.getMaxValue() / 1000.0));
            }
        }
        return out;
    }

    /** The last error of each store that failed a poll (polls go on; a store that never answers shows as missing). */
    public synchronized Map<String, String> errors() {
        Map<String, String> e = new LinkedHashMap<>();
        for (Tracked t : stores) if (t.lastError != null) e.put(t.probe.name(), t.lastError);
        return e;
    }

    private synchronized long pendingTotal() {
        long n = 0;
        for (Tracked t : stores) n += t.pending.size();
        return n;
    }

    private void pollLoop() {
        while (!stopping) {
            long started = System.nanoTime();
            drainIncoming();
            for (Tracked t : stores) poll(t);
            long spent = System.nanoTime() - started;
            long sleep = pollInterval.toNanos() - spent;
            if (sleep > 0) java.util.concurrent.locks.LockSupport.parkNanos(sleep);
        }
    }

    private synchronized void drainIncoming() {
        for (Sample s; (s = incoming.poll()) != null; ) {
            remaining.put(s.recordId(), stores.size());
            for (Tracked t : stores) {
                t.pending.put(s.recordId(), s.sentNanos());
                t.samples++;
            }
        }
    }

    private void poll(Tracked t) {
        List<String> ids;
        synchronized (this) {
            if (t.pending.isEmpty()) return;
            ids = new ArrayList<>(Math.min(t.pending.size(), MAX_IDS_PER_POLL));
            for (Iterator<String> it = t.pending.keySet().iterator(); it.hasNext() && ids.size() < MAX_IDS_PER_POLL; ) ids.add(it.next());
        }
        Set<String> visible;
        try {
            visible = t.probe.visible(ids);
        } catch (Exception e) {
            t.lastError = e.toString();
            return;
        }
        long now = System.nanoTime();
        synchronized (this) {
            for (String id : visible) {
                Long sent = t.pending.remove(id);
                if (sent == null) continue;
                long micros = Math.min(Math.max(0, (now - sent) / 1000), t.micros.getHighestTrackableValue());
                t.micros.recordValue(micros);
                Integer left = remaining.merge(id, -1, Integer::sum);
                if (left != null && left == 0) {
                    remaining.remove(id);
                    allMicros.recordValue(micros); // the last store to show it: visible everywhere now
                }
            }
        }
    }

    @Override
    public void close() {
        stopping = true;
        stores.forEach(t -> t.probe.close());
    }
}
