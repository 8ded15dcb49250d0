package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The running totals behind one (org, framework) score, adjusted by each control-status change:
 * the old status is subtracted, the new one added, nothing is recomputed.
 *
 * <p><b>The score rule.</b> A control counts with its catalog weight {@code w} (controls with
 * weight 0, such as controls missing from the catalog, do not count at all):
 * <pre>
 *   applicable = sum of w over SATISFIED, PARTIALLY_SATISFIED, NOT_SATISFIED and UNKNOWN controls
 *   satisfied  = sum of w over SATISFIED + 0.5 * sum of w over PARTIALLY_SATISFIED
 *   score      = 100 * satisfied / applicable   (0 when nothing is applicable)
 * </pre>
 * NOT_APPLICABLE controls leave the denominator; UNKNOWN stays in it with no credit (a control
 * whose state nobody could establish is not evidence of compliance).
 *
 * <p>Weights are summed as integers (thousandths, satisfied in half-thousandths), so any order of
 * additions and subtractions gives exactly the totals a direct computation gives: no drift.
 */
record ScoreTotals(long applicableMilli, long satisfiedHalfMilli,
                   int satisfied, int partiallySatisfied, int notSatisfied, int notApplicable, int unknown) {

    static final ScoreTotals EMPTY = new ScoreTotals(0, 0, 0, 0, 0, 0, 0);

    /** What the score needs of a control status: its status and weight in thousandths. */
    record Contribution(ComplianceStatus status, long weightMilli) { }

    /** A catalog weight in thousandths (negative weights count as 0). */
    static long weightMilli(double weight) {
        return Math.max(0, Math.round(weight * 1000));
    }

    /** These totals with a control's old contribution ({@code null}: none) replaced by its new one. */
    ScoreTotals replace(Contribution previous, Contribution current) {
        return (previous == null ? this : minus(previous)).plus(current);
    }

    ScoreTotals plus(Contribution c) {
        return apply(c, 1);
    }

    ScoreTotals minus(Contribution c) {
        return apply(c, -1);
    }

    private ScoreTotals apply(Contribution c, int sign) {
        if (c.weightMilli() == 0) return this;
        long w = sign * c.weightMilli();
        return switch (c.status()) {
            case SATISFIED -> new ScoreTotals(applicableMilli + w, satisfiedHalfMilli + 2 * w,
                    satisfied + sign, partiallySatisfied, notSatisfied, notApplicable, unknown);
            case PARTIALLY_SATISFIED -> new ScoreTotals(applicableMilli + w, satisfiedHalfMilli + w,
                    satisfied, partiallySatisfied + sign, notSatisfied, notApplicable, unknown);
            case NOT_SATISFIED -> new ScoreTotals(applicableMilli + w, satisfiedHalfMilli,
                    satisfied, partiallySatisfied, notSatisfied + sign, notApplicable, unknown);
            case UNKNOWN -> new ScoreTotals(applicableMilli + w, satisfiedHalfMilli,
                    satisfied, partiallySatisfied, notSatisfied, notApplicable, unknown + sign);
            case NOT_APPLICABLE -> new ScoreTotals(applicableMilli, satisfiedHalfMilli,
                    satisfied, partiallySatisfied, notSatisfied, notApplicable + sign, unknown);
        };
    }

    double score() {
        return applicableMilli == 0 ? 0.0 : 100.0 * satisfiedHalfMilli / (2.0 * applicableMilli);
    }

    ComplianceScore toScore(String orgId, String framework, Instant updatedAt) {
        return new ComplianceScore(orgId, framework, score(), satisfiedHalfMilli / 2000.0, applicableMilli / 1000.0,
                satisfied, partiallySatisfied, notSatisfied, notApplicable, unknown, updatedAt);
    }

    /** The size of {@link #writeTo}: two longs, five ints. */
    static final int SIZE = 2 * 8 + 5 * 4;

    ByteBuffer writeTo(ByteBuffer b) {
        return b.putLong(applicableMilli).putLong(satisfiedHalfMilli).putInt(satisfied)
                .putInt(partiallySatisfied).putInt(notSatisfied).putInt(notApplicable).putInt(unknown);
    }

    static ScoreTotals readFrom(ByteBuffer b) {
        return new ScoreTotals(b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getInt(), b.getInt());
    }
}
