package org.compliancepipeline.cli.load;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Pacing, counting and latency sampling of a run, against senders and stores in memory. */
class LoadRunTest {
    /** Accepts every valid record after {@code delayMillis}, rejects the invalid ones, as the ingest API does. */
    static final class FakeApi implements Sender {
        final long delayMillis;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final Set<String> stored = ConcurrentHashMap.newKeySet();
        final ConcurrentHashMap<String, Long> storedAt = new ConcurrentHashMap<>();

        FakeApi(long delayMillis) {
            this.delayMillis = delayMillis;
        }

        @Override
        public Outcome send(List<RecordStream.Generated> batch) throws InterruptedException {
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                Thread.sleep(delayMillis);
                Result[] r = new Result[batch.size()];
                for (int i = 0; i < r.length; i++) {
                    RecordStream.Generated g = batch.get(i);
                    r[i] = g.kind() == RecordStream.Kind.INVALID ? Result.REJECTED : Result.ACCEPTED;
                    if (r[i] == Result.ACCEPTED && stored.add(g.recordId())) storedAt.put(g.recordId(), System.nanoTime());
                }
                return new Outcome(r, 0);
            } finally {
                inFlight.decrementAndGet();
            }
        }

        @Override
        public void close() { }
    }

    static RecordStream stream() {
        return new RecordStream(RecordStreamTest.options(1.1, 0.02, 0.02, 0.05, 21));
    }

    @Test
    void holdsTheTargetRateAndCountsEveryRecordOnce() throws Exception {
        FakeApi api = new FakeApi(5);
        LoadRun.Result r = new LoadRun(stream(), api, new LoadRun.Plan(4000, Duration.ofSeconds(2), 0, 100, 4, 0), null, null).run();

        LoadRun.Counters c = r.counters();
        assertThat(c.generated.sum()).isBetween(7600L, 8000L);
        assertThat(r.achievedRate()).isCloseTo(4000, within(400.0));
        assertThat(c.accepted.sum() + c.rejected.sum()).isEqualTo(c.generated.sum());
        assertThat(c.rejected.sum()).isEqualTo(c.invalid.sum()).isEqualTo(c.invalidRejected.sum()).isPositive();
        assertThat(c.validRejected.sum()).isZero();
        assertThat(c.duplicates.sum()).isPositive();
    }

    @Test
    void aCountStopsExactlyAndClientsBoundTheRequestsInFlight() throws Exception {
        FakeApi api = new FakeApi(50);
        LoadRun.Result r = new LoadRun(stream(), api, new LoadRun.Plan(1_000_000, null, 5_050, 100, 3, 0), null, null).run();
        assertThat(r.counters().generated.sum()).isEqualTo(5_050);
        assertThat(api.maxInFlight.get()).isEqualTo(3);
        // closed loop at 3 x 100 records per 50 ms: about 6,000 records/s, far below the target
        assertThat(r.achievedRate()).isLessThan(8_000);
    }

    @Test
    void sampledRecordsAreWatchedUntilTheStoreShowsThem() throws Exception {
        FakeApi api = new FakeApi(1);
        long storeDelayNanos = Duration.ofMillis(150).toNanos();
        StoreProbe slowStore = new StoreProbe() {
            @Override public String name() { return "slow"; }
            @Override public Set<String> visible(Collection<String> ids) {
                Set<String> out = new HashSet<>();
                long now = System.nanoTime();
                for (String id : ids) {
                    Long at = api.storedAt.get(id);
                    if (at != null && now - at >= storeDelayNanos) out.add(id);
                }
                return out;
            }
            @Override public void close() { }
        };
        try (LatencyWatcher watcher = new LatencyWatcher(List.of(slowStore), Duration.ofMillis(10))) {
            LoadRun.Result r = new LoadRun(stream(), api, new LoadRun.Plan(2000, Duration.ofSeconds(1), 0, 50, 2, 10), watcher, null).run();
            List<LatencyWatcher.StoreLatency> latency = watcher.finish(Duration.ofSeconds(5));

            assertThat(latency).hasSize(1);
            LatencyWatcher.StoreLatency l = latency.getFirst();
            long fresh = r.counters().generated.sum() - r.counters().duplicates.sum() - r.counters().late.sum() - r.counters().invalid.sum();
            assertThat(l.samples()).isCloseTo(fresh / 10, within(2L));
            assertThat(l.seen()).isEqualTo(l.samples());
            assertThat(l.missing()).isZero();
            assertThat(l.p50Ms()).isBetween(150.0, 400.0); // the store delay, plus at most a poll interval and scheduling
        }
    }

    @Test
    void aTargetRefusingTheRunStopsItWithItsMessage() {
        Sender refusing = new Sender() {
            @Override public Outcome send(List<RecordStream.Generated> batch) { throw new LoadAborted("answered 401"); }
            @Override public void close() { }
        };
        assertThatThrownBy(() -> new LoadRun(stream(), refusing, new LoadRun.Plan(1000, Duration.ofSeconds(30), 0, 10, 1, 0), null, null).run())
                .isInstanceOf(Sender.LoadAborted.class).hasMessage("answered 401");
    }

    @Test
    void badPlansNameTheOption() {
        assertThatThrownBy(() -> new LoadRun.Plan(0, Duration.ofSeconds(1), 0, 1, 1, 0)).hasMessageContaining("--rate");
        assertThatThrownBy(() -> new LoadRun.Plan(10, Duration.ofSeconds(1), 0, 0, 1, 0)).hasMessageContaining("--batch");
        assertThatThrownBy(() -> new LoadRun.Plan(10, Duration.ofSeconds(1), 0, 1, 0, 0)).hasMessageContaining("--clients");
        assertThatThrownBy(() -> new LoadRun.Plan(10, null, 0, 1, 1, 0)).hasMessageContaining("--count");
        assertThat(Arrays.asList(new LoadRun.Plan(10, null, 5, 1, 1, 0).expected())).containsExactly(5L);
    }
}
