package org.compliancepipeline.sink.runtime;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store made of plain objects for the runtime's tests: keeps every write with its writer's name, can
 * be told to be unavailable for a while, and refuses values it is told are poison.
 */
final class MemoryWriter implements SinkWriter<String> {
    static final class Unavailable extends RuntimeException { Unavailable() { super("store unavailable"); } }
    static final class BadValue extends RuntimeException { BadValue(String v) { super("value '" + v + "' violates a constraint"); } }

    /** record value -> names of the writers that stored it (one entry per write). */
    static final Map<String, List<String>> writes = new ConcurrentHashMap<>();
    static final java.util.concurrent.atomic.AtomicBoolean unavailable = new java.util.concurrent.atomic.AtomicBoolean();
    static final Set<String> poison = ConcurrentHashMap.newKeySet();
    static final AtomicLong batches = new AtomicLong();

    private final String name;

    MemoryWriter(String name) {
        this.name = name;
    }

    static void reset() {
        writes.clear();
        poison.clear();
        unavailable.set(false);
        batches.set(0);
    }

    @Override
    public WriteResult<String> write(List<SinkRecord<String>> records) {
        if (unavailable.get()) throw new Unavailable();
        for (SinkRecord<String> r : records) if (poison.contains(r.value())) throw new BadValue(r.value());
        batches.incrementAndGet();
        for (SinkRecord<String> r : records) writes.computeIfAbsent(r.value(), v -> new CopyOnWriteArrayList<>()).add(name);
        return WriteResult.complete();
    }

    @Override
    public FailureKind classify(Throwable error) {
        return error instanceof BadValue ? FailureKind.POISON : FailureKind.RETRYABLE;
    }
}
