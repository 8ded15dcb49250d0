package org.compliancepipeline.platform.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Graceful shutdown on SIGTERM (or SIGINT): resources registered in start-up order are closed in
 * the reverse order, each within the overall grace period, and the main thread waiting in
 * {@link #await()} is released. A consumer registered after its store client is therefore closed
 * before it: in-flight work is finished and committed while the store is still open.
 */
public final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    private final Deque<Named> resources = new ArrayDeque<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final long graceMillis;
    private volatile boolean started;

    private record Named(String name, AutoCloseable resource) { }

    private Shutdown(long graceMillis) {
        this.graceMillis = graceMillis;
    }

    /** Installs the JVM shutdown hook. */
    public static Shutdown install(java.time.Duration grace) {
        Shutdown s = new Shutdown(grace.toMillis());
        Runtime.getRuntime().addShutdownHook(new Thread(s::run, "shutdown"));
        return s;
    }

    /** Without a JVM hook: for tests and embedded use. */
    public static Shutdown manual(java.time.Duration grace) {
        return new Shutdown(grace.toMillis());
    }

    public synchronized <T extends AutoCloseable> T register(String name, T resource) {
        if (started) throw new IllegalStateException("shutting down: cannot register " + name);
        resources.push(new Named(name, resource));
        return resource;
    }

    /** Blocks until shutdown has completed. */
    public void await() throws InterruptedException {
        done.await();
    }

    public boolean isStarted() {
        return started;
    }

    /** Closes everything registered, newest first. Idempotent. */
    public void run() {
        synchronized (this) {
            if (started) {
                awaitQuietly();
                return;
            }
            started = true;
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMillis);
        log.info("shutting down");
        try {
            Named next;
            while ((next = pop()) != null) {
                Named current = next;
                long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                Thread closer = Thread.ofPlatform().name("close-" + current.name()).start(() -> {
                    try {
                        current.resource().close();
                    } catch (Exception e) {
                        log.warn("closing {} failed: {}", current.name(), e.toString());
                    }
                });
                try {
                    closer.join(Math.max(left, 1));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (closer.isAlive()) log.warn("{} did not close within the grace period; continuing", current.name());
            }
            log.info("shutdown complete");
        } finally {
            done.countDown();
        }
    }

    private synchronized Named pop() {
        return resources.poll();
    }

    private void awaitQuietly() {
        try {
            done.await(graceMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
