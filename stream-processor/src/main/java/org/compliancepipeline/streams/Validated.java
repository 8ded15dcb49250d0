package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ComplianceRecord;

/** The outcome of the validation stage for one record. */
sealed interface Validated {

    /** Valid: continues to deduplication. */
    record Accepted(ComplianceRecord record) implements Validated { }

    /** Invalid: the original key and value bytes, for the dead-letter topic. */
    record Rejected(byte[] key, byte[] value) implements Validated { }
}
