package org.compliancepipeline.cli.load;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends a {@link RecordStream} at a target rate: batch {@code k} is due at {@code start + k * batch / rate}
 * (open loop), at most {@code clients} batches in flight. When every client is busy the schedule waits, and the
 * achieved rate shows it; a backlog of more than a second is forgiven rather than sent as a burst.
 */
public final class LoadRun {
    /**
     * How much to send: {@code count} records, or for {@code duration} (whichever is given; count wins).
     * With a {@code history}, observedAt runs from {@code now - history} to now over the run instead of being the
     * send time, so a short run looks like re-assessments spread over that past period.
     */
    public record Plan(double rate, Duration duration, long count, int batch, int clients, int sampleEvery, Duration history) {
        public Plan(double rate, Duration duration, long count, int batch, int clients, int sampleEvery) {
            this(rate, duration, count, batch, clients, sampleEvery, Duration.ZERO);
        }

        public Plan {
            if (history == null || history.isNegative()) throw new IllegalArgumentException("--history must be >= 0, got " + history);
            if (!(rate > 0)) throw new IllegalArgumentException("--rate must be > 0 records/s, got " + rate);
            if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
            if (clients < 1) throw new IllegalArgumentException("--clients must be >= 1, got " + clients);
            if (count <= 0 && (duration == null || duration.isZero() || duration.isNegative())) {
                throw new IllegalArgumentException("give --count or a positive --duration");
            }
            if (sampleEvery < 0) throw new IllegalArgumentException("--sample must be >= 0, got " + sampleEvery);
        }

        /** Records the plan will send, or -1 when it runs for a duration. */
        public long expected() {
            return count > 0 ? count : Math.round(rate * duration.toNanos() / 1e9);
        }
    }

    /** Live counters, readable while the run goes (progress) and at its end (report). */
    public static final class Counters {
        public final LongAdder generated = new LongAdder();
        public final LongAdder accepted = new LongAdder();
        public final LongAdder rejected = new LongAdder();
        public final LongAdder failed = new LongAdder();
        public final LongAdder duplicates = new LongAdder();
        public final LongAdder late = new LongAdder();
        public final LongAdder invalid = new LongAdder();
        public final LongAdder invalidRejected = new LongAdder();
        public final LongAdder validRejected = new LongAdder();
        public final LongAdder retries = new LongAdder();
        public final LongAdder requests = new LongAdder();

        public long answered() {
            return accepted.sum() + rejected.sum();
        }
    }

    /** What a run did; {@code seconds} spans from the first send to the last answer. */
    public record Result(Counters counters, double seconds, double offeredRate) {
        public double achievedRate() {
            return seconds > 0 ? counters.answered() / seconds : 0;
        }
    }

    /** Told about progress after every batch. */
    public interface Listener {
        void batchDone(int records);
    }

    private final RecordStream stream;
    private final Sender sender;
    private final Plan plan;
    private final LatencyWatcher watcher;
    private final Listener listener;
    private final Counters counters = new Counters();
    private volatile boolean stopRequested;

    public LoadRun(RecordStream stream, Sender sender, Plan plan, LatencyWatcher watcher, Listener listener) {
        this.stream = stream;
        this.sender = sender;
        this.plan = plan;
        this.watcher = watcher;
        this.listener = listener == null ? n -> { } : listener;
    }

    public Counters counters() {
        return counters;
    }

    /** Stops dispatching new batches (e.g. on Ctrl-C); what is in flight finishes. */
    public void stop() {
        stopRequested = true;
    }

    public Result run() throws InterruptedException {
        long expected = plan.count() > 0 ? plan.count() : Long.MAX_VALUE;
        long start = System.nanoTime();
        long end = plan.count() > 0 ? Long.MAX_VALUE : start + plan.duration().toNanos();
        double nanosPerRecord = 1e9 / plan.rate();
        Semaphore slots = new Semaphore(plan.clients());
        AtomicReference<RuntimeException> abort = new AtomicReference<>();
        long sent = 0;
        long base = start;
        long baseSent = 0;
        long sampleCounter = 0;
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            while (sent < expected && !stopRequested && abort.get() == null) {
                long due = base + (long) ((sent - baseSent) * nanosPerRecord);
                long now = System.nanoTime();
                if (due >= end) break;
                if (due > now) {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                if (now - due > 1_000_000_000L) { // a backlog: start the schedule again from now, no burst
                    base = now;
                    baseSent = sent;
                }
                slots.acquire();
                int n = (int) Math.min(plan.batch(), expected - sent);
                List<RecordStream.Generated> batch = stream.next(n, clock(sent), System.currentTimeMillis());
                long[] sampled = null;
                if (watcher != null && plan.sampleEvery() > 0) {
                    for (int i = 0; i < batch.size(); i++) {
                        if (batch.get(i).kind() == RecordStream.Kind.FRESH && sampleCounter++ % plan.sampleEvery() == 0) {
                            if (sampled == null) sampled = new long[batch.size()];
                            sampled[i] = 1;
                        }
                    }
                }
                sent += n;
                final long[] marks = sampled;
                clients.submit(() -> {
                    try {
                        long sentAt = System.nanoTime();
                        Sender.Outcome outcome = sender.send(batch);
                        account(batch, outcome, marks, sentAt);
                    } catch (RuntimeException e) {
                        abort.compareAndSet(null, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        slots.release();
                    }
                });
            }
            clients.shutdown();
            clients.awaitTermination(5, TimeUnit.MINUTES);
        }
        if (abort.get() != null) throw abort.get();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(counters, seconds, plan.rate());
    }

    private final long startWallMillis = System.currentTimeMillis();

    /** The time the generator is given for the record at position {@code sent}: now, or a point in the history. */
    private long clock(long sent) {
        long now = System.currentTimeMillis();
        if (plan.history().isZero()) return now;
        double progress = Math.min(1.0, sent / (double) Math.max(1, plan.expected()));
        return Math.min(now, startWallMillis - plan.history().toMillis() + (long) (progress * plan.history().toMillis()));
    }

    private void account(List<RecordStream.Generated> batch, Sender.Outcome outcome, long[] sampled, long sentAt) {
        counters.requests.increment();
        counters.retries.add(outcome.retries());
        for (int i = 0; i < batch.size(); i++) {
            RecordStream.Generated g = batch.get(i);
            Sender.Result r = outcome.results()[i];
            counters.generated.increment();
            switch (g.kind()) {
                case DUPLICATE -> counters.duplicates.increment();
                case LATE -> counters.late.increment();
                case INVALID -> counters.invalid.increment();
                case FRESH -> { }
            }
            switch (r) {
                case ACCEPTED -> {
                    counters.accepted.increment();
                    if (sampled != null && sampled[i] == 1) watcher.track(g.recordId(), sentAt);
                }
                case REJECTED -> {
                    counters.rejected.increment();
                    if (g.kind() == RecordStream.Kind.INVALID) counters.invalidRejected.increment();
                    else counters.validRejected.increment();
                }
                case FAILED -> counters.failed.increment();
            }
        }
        listener.batchDone(batch.size());
    }
}
