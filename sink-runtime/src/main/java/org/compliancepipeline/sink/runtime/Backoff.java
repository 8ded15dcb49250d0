package org.compliancepipeline.sink.runtime;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Bounded exponential backoff with full jitter: attempt n waits a random time in [0, min(max, initial * 2^n)]. */
final class Backoff {
    private final long initialMillis;
    private final long maxMillis;
    private int attempt;

    Backoff(Duration initial, Duration max) {
        this.initialMillis = Math.max(1, initial.toMillis());
        this.maxMillis = Math.max(initialMillis, max.toMillis());
    }

    long nextDelayMillis() {
        long ceiling = attempt >= 30 ? maxMillis : Math.min(maxMillis, initialMillis << attempt);
        attempt++;
        return ThreadLocalRandom.current().nextLong(initialMillis / 2, Math.max(initialMillis / 2 + 1, ceiling + 1));
    }

    int attempts() {
        return attempt;
    }

    void reset() {
        attempt = 0;
    }
}
