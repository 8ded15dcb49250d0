package org.compliancepipeline.platform.auth;

import java.util.List;
import java.util.Set;

/**
 * One API key as the keys file describes it. The secret itself is never stored, only its SHA-256.
 *
 * @param id        public name of the key: appears in logs, metrics and rate-limit keys
 * @param sha256    lower-case hex SHA-256 of the secret
 * @param orgs      organisations the key may write records for or read; {@code *} means any
 * @param scopes    what the key may do: {@code records:write}, {@code oscal:write}, {@code query:read}
 * @param framework default framework for OSCAL documents posted with this key, or null
 * @param rateLimit records per second and burst of this key's token bucket; null: the service's default
 * @param description free text for operators, or null
 */
public record ApiKey(String id, String sha256, List<String> orgs, Set<String> scopes, String framework, boolean revoked,
                     RateLimit rateLimit, String description) {

    public static final String ANY_ORG = "*";
    public static final String RECORDS_WRITE = "records:write";
    public static final String OSCAL_WRITE = "oscal:write";
    /** Reads through the query API, limited to the key's orgs like writes. */
    public static final String QUERY_READ = "query:read";
    public static final Set<String> KNOWN_SCOPES = Set.of(RECORDS_WRITE, OSCAL_WRITE, QUERY_READ);

    public ApiKey {
        orgs = List.copyOf(orgs);
        scopes = Set.copyOf(scopes);
    }

    /** Token bucket: refills {@code perSecond} records a second up to {@code burst}. */
    public record RateLimit(double perSecond, double burst) { }

    public RateLimit rateLimitOr(RateLimit defaults) {
        return rateLimit == null ? defaults : rateLimit;
    }

    public ApiKey revoke() {
        return new ApiKey(id, sha256, orgs, scopes, framework, true, rateLimit, description);
    }

    public boolean mayWrite(String orgId) {
        return orgs.contains(ANY_ORG) || orgs.contains(orgId);
    }

    /** Whether the key may read the org's data (the query API). */
    public boolean mayRead(String orgId) {
        return orgs.contains(ANY_ORG) || orgs.contains(orgId);
    }

    /** True when the key is limited to the orgs it names (no {@code *}). */
    public boolean orgScoped() {
        return !orgs.contains(ANY_ORG);
    }

    public boolean hasScope(String scope) {
        return scopes.contains(scope);
    }

    /** The org a request means when it names none: the key's only org, else null. */
    public String singleOrg() {
        return orgs.size() == 1 && !orgs.getFirst().equals(ANY_ORG) ? orgs.getFirst() : null;
    }

    @Override
    public String toString() {
        return "ApiKey[" + id + ", orgs=" + orgs + ", scopes=" + scopes + (revoked ? ", revoked" : "") + "]";
    }
}
