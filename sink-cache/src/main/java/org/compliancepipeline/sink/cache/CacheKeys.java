package org.compliancepipeline.sink.cache;

/**
 * Every Redis key the sink writes, in one place. The part between braces is the Redis Cluster hash
 * tag: keys one script touches share it, so each script call stays within one hash slot.
 *
 * <pre>
 * cp:{acme/nist-800-53-r5}:status        hash     controlId -> {"status","observedAt","recordId"}
 * cp:{acme/nist-800-53-r5}:status:meta   hash     controlId -> pos:grave:rank:recordId (rank = observedAt ms * 8 + severity)
 * cp:{acme/nist-800-53-r5}:score         hash     score, satisfied, applicable, updatedAt, controls*
 * cp:{acme/nist-800-53-r5}:score:meta    string   pos:grave:updatedAtMillis                          (bookkeeping)
 * cp:lb:{nist-800-53-r5}                 zset     orgId -> score, ascending = worst first
 * cp:lb:{nist-800-53-r5}:meta            hash     orgId -> pos:grave:updatedAtMillis:score           (bookkeeping)
 * cp:scores:{nist-800-53-r5}             stream   score changes of the framework (live updates)
 * cp:rec:{recordId}                      string   the enriched record as JSON
 * </pre>
 *
 * Ids never contain braces or '/' (org, framework and control ids never ':' either; record ids may, as
 * URNs: {@link org.compliancepipeline.schemas.Ids}), and the writer refuses any value that breaks this,
 * so every key splits back unambiguously and a value can never forge a hash tag.
 */
public record CacheKeys(String prefix, String streamName) {

    public String status(String orgId, String framework) {
        return prefix + "{" + orgId + "/" + framework + "}:status";
    }

    public String statusMeta(String orgId, String framework) {
        return status(orgId, framework) + ":meta";
    }

    public String score(String orgId, String framework) {
        return prefix + "{" + orgId + "/" + framework + "}:score";
    }

    public String scoreMeta(String orgId, String framework) {
        return score(orgId, framework) + ":meta";
    }

    public String leaderboard(String framework) {
        return prefix + "lb:{" + framework + "}";
    }

    public String leaderboardMeta(String framework) {
        return leaderboard(framework) + ":meta";
    }

    /** The framework's stream of score changes; in the leaderboard's slot, so one script writes both. */
    public String scoreStream(String framework) {
        return prefix + (streamName == null ? "scores" : streamName) + ":{" + framework + "}";
    }

    public String record(String recordId) {
        return prefix + "rec:{" + recordId + "}";
    }
}
