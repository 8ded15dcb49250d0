package org.compliancepipeline.schemas;

import java.time.Instant;

/**
 * Record keys. Ids are restricted by {@link Ids} to characters that never include the separators
 * used here, so a key splits back unambiguously.
 */
public final class Keys {
    private Keys() { }

    public static String org(String orgId) {
        return orgId;
    }

    public static String control(String framework, String controlId) {
        return framework + ":" + controlId;
    }

    public static String score(String orgId, String framework) {
        return orgId + "/" + framework;
    }

    public static String controlStatus(String orgId, String framework, String controlId) {
        return orgId + "/" + framework + "/" + controlId;
    }

    public static String hourlyStats(String orgId, String framework, ComplianceStatus status, String family, Instant windowStart) {
        return orgId + "/" + framework + "/" + status + "/" + family + "@" + windowStart.toEpochMilli();
    }
}
