package org.compliancepipeline.platform.ops;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class ShutdownTest {

    @Test
    void resourcesCloseNewestFirst() throws Exception {
        List<String> closed = new CopyOnWriteArrayList<>();
        Shutdown s = Shutdown.manual(Duration.ofSeconds(5));
        s.register("store", () -> closed.add("store"));
        s.register("consumer", () -> closed.add("consumer"));
        s.run();
        s.await();
        assertThat(closed).containsExactly("consumer", "store");
    }

    @Test
    void aResourceThatHangsDoesNotBlockTheRestBeyondTheGracePeriod() {
        List<String> closed = new CopyOnWriteArrayList<>();
        Shutdown s = Shutdown.manual(Duration.ofMillis(300));
        s.register("store", () -> closed.add("store"));
        s.register("stuck", () -> Thread.sleep(10_000));
        long start = System.nanoTime();
        s.run();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(closed).containsExactly("store");
    }

    @Test
    void aFailingCloseDoesNotStopTheOthers() {
        List<String> closed = new CopyOnWriteArrayList<>();
        Shutdown s = Shutdown.manual(Duration.ofSeconds(5));
        s.register("store", () -> closed.add("store"));
        s.register("bad", () -> { throw new IllegalStateException("boom"); });
        s.run();
        assertThat(closed).containsExactly("store");
        assertThat(s.isStarted()).isTrue();
    }
}
