package org.compliancepipeline.schemas;

/**
 * Which of two assessments of one control is the latest, the same in the stream processor and in
 * every store, in a total order that does not depend on arrival order:
 * <ol>
 *   <li>the later {@code observedAt} wins;</li>
 *   <li>at the same instant the more severe status wins (NOT_SATISFIED, PARTIALLY_SATISFIED,
 *       UNKNOWN, SATISFIED, NOT_APPLICABLE, most severe first): two tools disagreeing at the same
 *       moment must not make a control look compliant;</li>
 *   <li>then the greater recordId (compared byte by byte in UTF-8, which for the ids' ASCII
 *       alphabet is plain string order).</li>
 * </ol>
 * An assessment equal in all three is the same one again and replaces nothing.
 */
public final class StatusOrder {
    private StatusOrder() { }

    /** Most severe highest: NOT_SATISFIED 4, PARTIALLY_SATISFIED 3, UNKNOWN 2, SATISFIED 1, NOT_APPLICABLE 0. */
    public static int severity(ComplianceStatus status) {
        return switch (status) {
            case NOT_SATISFIED -> 4;
            case PARTIALLY_SATISFIED -> 3;
            case UNKNOWN -> 2;
            case SATISFIED -> 1;
            case NOT_APPLICABLE -> 0;
        };
    }

    /**
     * The first two rules as one number, {@code observedAt} in milliseconds times 8 plus the severity:
     * stores that compare one integer (Elasticsearch external versions, Redis scripts) order by it and
     * break its ties by recordId. Exact in a double up to the year 287,000.
     */
    public static long rank(long observedAtMillis, ComplianceStatus status) {
        return observedAtMillis * 8 + severity(status);
    }

    /** Positive when {@code a} replaces {@code b}, negative when {@code b} replaces {@code a}, 0 when they are the same version. */
    public static int compare(long observedAtA, ComplianceStatus statusA, String recordIdA,
                              long observedAtB, ComplianceStatus statusB, String recordIdB) {
        int c = Long.compare(observedAtA, observedAtB);
        if (c != 0) return c;
        c = Integer.compare(severity(statusA), severity(statusB));
        return c != 0 ? c : recordIdA.compareTo(recordIdB);
    }
}
