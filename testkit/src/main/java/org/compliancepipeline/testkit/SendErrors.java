package org.compliancepipeline.testkit;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The callback for a test's fire-and-forget sends: a test that produces its input must fail, with
 * the cause, when Kafka did not acknowledge part of it, rather than wait for rows that will never come.
 * <pre>{@code SendErrors errors = new SendErrors(); p.send(record, errors); ...; p.flush(); errors.throwIfAny();}</pre>
 */
public final class SendErrors implements Callback {
    private final AtomicReference<Exception> first = new AtomicReference<>();
    private final AtomicLong failed = new AtomicLong();

    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
        if (exception != null) {
            failed.incrementAndGet();
            first.compareAndSet(null, exception);
        }
    }

    /** Call after {@code flush()}: throws when any send failed. */
    public void throwIfAny() {
        Exception e = first.get();
        if (e != null) throw new AssertionError(failed.get() + " record(s) were not acknowledged by Kafka; first failure: " + e, e);
    }
}
