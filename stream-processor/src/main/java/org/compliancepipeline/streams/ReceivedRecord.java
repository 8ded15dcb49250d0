package org.compliancepipeline.streams;

import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;

/**
 * A record as read from the input topic: the decoded value and the bytes it was decoded from, so
 * a record that fails validation reaches the dead-letter topic byte for byte as it arrived (not
 * re-encoded, which could change a record written with an older schema version).
 */
public record ReceivedRecord(byte[] bytes, ComplianceRecord record) {

    /**
     * Decodes with the project's Avro serde; bytes it cannot decode raise its
     * {@link org.apache.kafka.common.errors.SerializationException}, which the deserialization
     * handler turns into a dead letter.
     */
    static final Serde<ReceivedRecord> SERDE = Serdes.serdeFrom(
            (topic, received) -> received == null ? null : received.bytes(),
            (topic, data) -> data == null ? null : new ReceivedRecord(data, AvroSerdes.COMPLIANCE_RECORD.deserialize(topic, data)));
}
