package org.compliancepipeline.streams;

/** The outcome of the validation stage for one record. */
sealed interface Validated {

    /** Valid: continues to deduplication, with the bytes it was decoded from. */
    record Accepted(ReceivedRecord received) implements Validated { }

    /** Invalid: the original key and value bytes, for the dead-letter topic. */
    record Rejected(byte[] key, byte[] value) implements Validated { }
}
