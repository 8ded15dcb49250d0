package org.compliancepipeline.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.StatusOrder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The version of a control's status the status store keeps, ordered by {@link StatusOrder} (the
 * same rule every sink applies):
 * <ol>
 *   <li>the later {@code observedAt} wins;</li>
 *   <li>at the same instant the more severe status wins (NOT_SATISFIED, PARTIALLY_SATISFIED,
 *       UNKNOWN, SATISFIED, NOT_APPLICABLE, most severe first): two tools disagreeing at the same
 *       moment must not make a control look compliant;</li>
 *   <li>then the greater recordId (plain string order).</li>
 * </ol>
 * An assessment equal in all three is the same one again and replaces nothing.
 */
record StatusVersion(long observedAt, ComplianceStatus status, String recordId) {

    boolean newerThan(StatusVersion other) {
        return StatusOrder.compare(observedAt, status, recordId, other.observedAt, other.status, other.recordId) > 0;
    }

    private static final ComplianceStatus[] STATUSES = ComplianceStatus.values();

    /** 8 bytes observedAt, 1 byte status ordinal, the recordId in UTF-8. */
    static final Serde<StatusVersion> SERDE = Serdes.serdeFrom(StatusVersion::write, StatusVersion::read);

    private static byte[] write(String topic, StatusVersion v) {
        if (v == null) return null;
        byte[] id = v.recordId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(9 + id.length).putLong(v.observedAt).put((byte) v.status.ordinal()).put(id).array();
    }

    private static StatusVersion read(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length < 9 || data[8] < 0 || data[8] >= STATUSES.length) {
            throw new SerializationException("not a StatusVersion (" + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        return new StatusVersion(b.getLong(), STATUSES[b.get()], new String(data, 9, data.length - 9, StandardCharsets.UTF_8));
    }
}
