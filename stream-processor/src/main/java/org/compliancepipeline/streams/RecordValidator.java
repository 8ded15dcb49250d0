package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The semantic rules a record must meet to enter the pipeline. Avro already guarantees the shape
 * (types, required fields, known enum symbols); these check the content. Every violation is
 * reported, the first one names the rule in the dead-letter headers.
 *
 * <table>
 *   <tr><th>rule</th><th>what</th></tr>
 *   <tr><td>{@code <field>.format}</td><td>recordId, orgId, framework, controlId, objectiveId have the shape of {@link Ids}</td></tr>
 *   <tr><td>{@code key.orgId}</td><td>the Kafka key is the orgId (per-org ordering and dedup rely on it)</td></tr>
 *   <tr><td>{@code framework.unknown}</td><td>the framework is configured or has controls in the catalog</td></tr>
 *   <tr><td>{@code observedAt.future}</td><td>observedAt is at most the allowed skew after the processing time</td></tr>
 *   <tr><td>{@code observedAt.floor}</td><td>observedAt is not before the floor</td></tr>
 *   <tr><td>{@code score.range}</td><td>score, when present, is a finite number in 0..100</td></tr>
 *   <tr><td>{@code <field>.length}</td><td>source (required), subject, title, description, evidence URIs and tags: not blank, within the limits of the JSON API</td></tr>
 * </table>
 */
public final class RecordValidator {

    /** One broken rule: {@code rule} is stable (metrics, headers), {@code reason} is for people and names the field. */
    public record Violation(String rule, String field, String reason) {
        @Override
        public String toString() {
            return field + ": " + reason;
        }
    }

    private final Set<String> configuredFrameworks;
    private final Predicate<String> catalogHasFramework;
    private final long futureSkewMs;
    private final long floorMs;

    /**
     * @param catalogHasFramework whether the control catalog holds any control of a framework
     *                            (asked only for frameworks that are not configured)
     */
    public RecordValidator(Set<String> configuredFrameworks, Predicate<String> catalogHasFramework, Duration futureSkew,
                           Instant floor) {
        this.configuredFrameworks = Set.copyOf(configuredFrameworks);
        this.catalogHasFramework = catalogHasFramework;
        this.futureSkewMs = futureSkew.toMillis();
        this.floorMs = floor.toEpochMilli();
    }

    /**
     * @param key   the record's Kafka key as text (null when absent)
     * @param nowMs processing time: the reference for "in the future"
     * @return every violation, empty when the record is valid
     */
    public List<Violation> check(String key, ComplianceRecord r, long nowMs) {
        List<Violation> v = new ArrayList<>(2);
        if (!Ids.isRecordId(r.getRecordId())) {
            v.add(new Violation("recordId.format", "recordId",
                    "must be 1-128 letters, digits and . _ : ( ) -, starting with a letter or digit, got '" + cut(r.getRecordId()) + "'"));
        }
        id(v, "orgId", r.getOrgId());
        id(v, "framework", r.getFramework());
        id(v, "controlId", r.getControlId());
        if (r.getObjectiveId() != null) id(v, "objectiveId", r.getObjectiveId());

        if (key == null || !key.equals(r.getOrgId())) {
            v.add(new Violation("key.orgId", "key", "records are keyed by orgId: expected '" + cut(r.getOrgId())
                    + "', got " + (key == null ? "no key" : "'" + cut(key) + "'")));
        }
        if (Ids.isId(r.getFramework()) && !configuredFrameworks.contains(r.getFramework())
                && !catalogHasFramework.test(r.getFramework())) {
            v.add(new Violation("framework.unknown", "framework", "'" + r.getFramework()
                    + "' is neither a configured framework " + configuredFrameworks + " nor in the control catalog"));
        }

        long observedAt = r.getObservedAt().toEpochMilli();
        if (observedAt > nowMs + futureSkewMs) {
            v.add(new Violation("observedAt.future", "observedAt", "is " + Duration.ofMillis(observedAt - nowMs).withNanos(0)
                    + " in the future (" + r.getObservedAt() + "); at most " + Duration.ofMillis(futureSkewMs) + " is allowed"));
        }
        if (observedAt < floorMs) {
            v.add(new Violation("observedAt.floor", "observedAt", "is " + r.getObservedAt() + ", before the floor "
                    + Instant.ofEpochMilli(floorMs)));
        }

        Double score = r.getScore();
        if (score != null && (!Double.isFinite(score) || score < 0 || score > 100)) {
            v.add(new Violation("score.range", "score", "must be between 0 and 100, got " + score));
        }

        text(v, "source", r.getSource(), true, ComplianceRecordJson.MAX_SOURCE);
        text(v, "subject", r.getSubject(), false, ComplianceRecordJson.MAX_SUBJECT);
        text(v, "title", r.getTitle(), false, ComplianceRecordJson.MAX_TITLE);
        text(v, "description", r.getDescription(), false, ComplianceRecordJson.MAX_DESCRIPTION);

        List<String> uris = r.getEvidenceUris();
        if (uris.size() > ComplianceRecordJson.MAX_EVIDENCE_URIS) {
            v.add(new Violation("evidenceUris.count", "evidenceUris", "must hold at most " + ComplianceRecordJson.MAX_EVIDENCE_URIS
                    + " URIs, got " + uris.size()));
        }
        for (int i = 0; i < uris.size(); i++) text(v, "evidenceUris[" + i + "]", uris.get(i), true, ComplianceRecordJson.MAX_URI);

        Map<String, String> tags = r.getTags();
        if (tags.size() > ComplianceRecordJson.MAX_TAGS) {
            v.add(new Violation("tags.count", "tags", "must hold at most " + ComplianceRecordJson.MAX_TAGS + " entries, got " + tags.size()));
        }
        for (Map.Entry<String, String> tag : tags.entrySet()) {
            String k = tag.getKey();
            if (k.isEmpty() || k.length() > ComplianceRecordJson.MAX_TAG_KEY) {
                v.add(new Violation("tags.length", "tags", "keys must be 1-" + ComplianceRecordJson.MAX_TAG_KEY
                        + " characters, got '" + cut(k) + "'"));
            }
            text(v, "tags." + cut(k), tag.getValue(), true, ComplianceRecordJson.MAX_TAG_VALUE);
        }
        return v;
    }

    private static void id(List<Violation> v, String field, String value) {
        if (!Ids.isId(value)) {
            v.add(new Violation(field + ".format", field,
                    "must be 1-128 letters, digits and . _ ( ) -, starting with a letter or digit, got '" + cut(value) + "'"));
        }
    }

    private static void text(List<Violation> v, String field, String value, boolean required, int max) {
        String rule = (field.contains("[") ? field.substring(0, field.indexOf('[')) : field.contains(".") ? field.substring(0, field.indexOf('.')) : field) + ".length";
        if (value == null) {
            if (required) v.add(new Violation(rule, field, "is required"));
        } else if (value.isBlank()) {
            v.add(new Violation(rule, field, "must not be blank"));
        } else if (value.length() > max) {
            v.add(new Violation(rule, field, "must be at most " + max + " characters, got " + value.length()));
        }
    }

    /** Values quoted in reasons are cut, so a 1 MB field does not make a 1 MB header. */
    private static String cut(String s) {
        if (s == null) return "null";
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
