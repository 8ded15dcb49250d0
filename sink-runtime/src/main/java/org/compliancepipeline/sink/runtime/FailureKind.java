package org.compliancepipeline.sink.runtime;

/** How the runtime treats a failed write. */
public enum FailureKind {
    /** The store is unavailable or busy (timeout, connection loss, 429, 5xx, deadlock, serialization failure): retry later. */
    RETRYABLE,
    /** The record itself cannot be stored (constraint violation, bad value, mapping error): isolate it, dead-letter it. */
    POISON
}
