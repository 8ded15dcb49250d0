package org.compliancepipeline.streams;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.StatusOrder;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What the status store keeps of a control's current status: its place in the order of
 * {@link StatusOrder} (the same rule every sink applies) and its contribution to the score.
 * <ol>
 *   <li>the later {@code observedAt} wins;</li>
 *   <li>at the same instant the more severe status wins (NOT_SATISFIED, PARTIALLY_SATISFIED,
 *       UNKNOWN, SATISFIED, NOT_APPLICABLE, most severe first): two tools disagreeing at the same
 *       moment must not make a control look compliant;</li>
 *   <li>then the greater recordId (plain string order).</li>
 * </ol>
 * An assessment equal in all three is the same one again and replaces nothing.
 *
 * @param weightMilli the catalog weight the status was scored with, in thousandths: what the score
 *                    takes away when this status is replaced
 */
record StatusVersion(long observedAt, ComplianceStatus status, String recordId, long weightMilli) {

    boolean newerThan(StatusVersion other) {
        return StatusOrder.compare(observedAt, status, recordId, other.observedAt, other.status, other.recordId) > 0;
    }

    ScoreTotals.Contribution contribution() {
        return new ScoreTotals.Contribution(status, weightMilli);
    }

    private static final ComplianceStatus[] STATUSES = ComplianceStatus.values();
    private static final int FIXED = 8 + 1 + 8;

    /** 8 bytes observedAt, 1 byte status ordinal, 8 bytes weight, the recordId in UTF-8. */
    static final Serde<StatusVersion> SERDE = Serdes.serdeFrom(StatusVersion::write, StatusVersion::read);

    private static byte[] write(String topic, StatusVersion v) {
        if (v == null) return null;
        byte[] id = v.recordId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(FIXED + id.length).putLong(v.observedAt).put((byte) v.status.ordinal())
                .putLong(v.weightMilli).put(id).array();
    }

    private static StatusVersion read(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length < FIXED || data[8] < 0 || data[8] >= STATUSES.length) {
            throw new SerializationException("not a StatusVersion (" + data.length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        long observedAt = b.getLong();
        ComplianceStatus status = STATUSES[b.get()];
        long weight = b.getLong();
        return new StatusVersion(observedAt, status, new String(data, FIXED, data.length - FIXED, StandardCharsets.UTF_8), weight);
    }
}
