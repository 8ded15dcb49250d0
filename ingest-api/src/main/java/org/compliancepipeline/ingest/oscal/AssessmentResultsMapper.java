package org.compliancepipeline.ingest.oscal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.FieldError;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An OSCAL assessment-results document (OSCAL 1.1) to compliance records: one record per finding.
 *
 * <ul>
 *   <li>control: the finding's {@code target.target-id}. An {@code objective-id} such as
 *       {@code ac-6.1_obj} gives control {@code ac-6.1} and objective {@code ac-6.1_obj}; a
 *       {@code statement-id} such as {@code ac-6.1_smt.a} gives control {@code ac-6.1}. NIST
 *       control ids never contain '_', so the control is the part before the first '_';</li>
 *   <li>status: {@code target.status.state} ({@code satisfied}, {@code not-satisfied});</li>
 *   <li>time: the latest {@code collected} of the related observations, else the result's {@code end};</li>
 *   <li>method: the first of the related observations' {@code methods} (EXAMINE, INTERVIEW, TEST;
 *       UNKNOWN becomes OTHER); all of them go in tag {@code oscal.methods};</li>
 *   <li>subject: the related observations' subjects ({@code type:subject-uuid}, or their title);</li>
 *   <li>title, description: the finding's; evidence: absolute {@code relevant-evidence} links;</li>
 *   <li>recordId: {@code oscal:} and a hash of document, revision, result and finding, so posting the
 *       same document twice yields the same ids (the stream processor deduplicates them) and a new
 *       revision yields new records.</li>
 * </ul>
 * A document whose shape does not fit gets every problem listed with its path; nothing of it is used.
 */
public final class AssessmentResultsMapper {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String ROOT = "assessment-results";

    private AssessmentResultsMapper() { }

    /** One finding mapped to a record's JSON, with where it came from. */
    public record MappedFinding(String path, String findingUuid, ObjectNode record) { }

    public sealed interface Mapping {
        record Mapped(List<MappedFinding> findings) implements Mapping { }
        record Unusable(List<FieldError> errors) implements Mapping { }
    }

    public static Mapping map(JsonNode document, String orgId, String framework, String source) {
        List<FieldError> errors = new ArrayList<>();
        if (document == null || !document.isObject() || !document.path(ROOT).isObject()) {
            String found = document != null && document.isObject()
                    ? "found top-level fields " + names(document)
                    : "found " + (document == null ? "nothing" : document.getNodeType().name().toLowerCase(Locale.ROOT));
            return new Mapping.Unusable(List.of(new FieldError("$",
                    "not an OSCAL assessment-results document: expected an object with a top-level \"" + ROOT + "\" object; " + found)));
        }
        JsonNode ar = document.get(ROOT);
        String documentUuid = ar.path("uuid").asText("");
        String revision = ar.path("metadata").path("last-modified").asText("");
        JsonNode results = ar.get("results");
        if (results == null || !results.isArray()) {
            return new Mapping.Unusable(List.of(new FieldError(ROOT + ".results",
                    results == null ? "is required (an array of results)" : "must be an array of results")));
        }
        List<MappedFinding> mapped = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            String resultPath = ROOT + ".results[" + i + "]";
            JsonNode result = results.get(i);
            if (!result.isObject()) {
                errors.add(new FieldError(resultPath, "must be an object"));
                continue;
            }
            Map<String, Observation> observations = observations(result, resultPath, errors);
            Instant resultEnd = instant(result.get("end"), resultPath + ".end", errors);
            JsonNode findings = result.get("findings");
            if (findings == null) continue;
            if (!findings.isArray()) {
                errors.add(new FieldError(resultPath + ".findings", "must be an array of findings"));
                continue;
            }
            for (int j = 0; j < findings.size(); j++) {
                String path = resultPath + ".findings[" + j + "]";
                MappedFinding f = finding(findings.get(j), path, observations, resultEnd,
                        new Context(orgId, framework, source, documentUuid, revision, result.path("uuid").asText("")), errors);
                if (f != null) mapped.add(f);
            }
        }
        return errors.isEmpty() ? new Mapping.Mapped(mapped) : new Mapping.Unusable(errors);
    }

    private record Context(String orgId, String framework, String source, String documentUuid, String revision, String resultUuid) { }

    private record Observation(JsonNode node, String path) { }

    private static Map<String, Observation> observations(JsonNode result, String resultPath, List<FieldError> errors) {
        Map<String, Observation> byUuid = new HashMap<>();
        JsonNode observations = result.get("observations");
        if (observations == null) return byUuid;
        if (!observations.isArray()) {
            errors.add(new FieldError(resultPath + ".observations", "must be an array of observations"));
            return byUuid;
        }
        for (int k = 0; k < observations.size(); k++) {
            JsonNode o = observations.get(k);
            if (o.path("uuid").isTextual()) byUuid.put(o.get("uuid").textValue(), new Observation(o, resultPath + ".observations[" + k + "]"));
            else errors.add(new FieldError(resultPath + ".observations[" + k + "].uuid", "is required (a string)"));
        }
        return byUuid;
    }

    private static MappedFinding finding(JsonNode finding, String path, Map<String, Observation> observations, Instant resultEnd,
                                         Context ctx, List<FieldError> errors) {
        int before = errors.size();
        if (!finding.isObject()) {
            errors.add(new FieldError(path, "must be an object"));
            return null;
        }
        String uuid = requiredText(finding, "uuid", path, errors);
        JsonNode target = finding.get("target");
        String controlId = null;
        String objectiveId = null;
        String targetType = null;
        String targetId = null;
        ComplianceStatus status = null;
        if (target == null || !target.isObject()) {
            errors.add(new FieldError(path + ".target", target == null ? "is required (the objective or statement assessed)" : "must be an object"));
        } else {
            targetType = requiredText(target, "type", path + ".target", errors);
            targetId = requiredText(target, "target-id", path + ".target", errors);
            if (targetType != null && !targetType.equals("objective-id") && !targetType.equals("statement-id")) {
                errors.add(new FieldError(path + ".target.type", "must be objective-id or statement-id, got '" + targetType + "'"));
            } else if (targetId != null) {
                int cut = targetId.indexOf('_');
                controlId = cut > 0 ? targetId.substring(0, cut) : targetId;
                if (cut <= 0 && "objective-id".equals(targetType)) {
                    errors.add(new FieldError(path + ".target.target-id",
                            "objective id '" + targetId + "' does not name its control (expected <control-id>_obj..., e.g. ac-6.1_obj)"));
                }
                if ("objective-id".equals(targetType)) objectiveId = targetId;
            }
            JsonNode state = target.path("status").get("state");
            if (state == null || !state.isTextual()) {
                errors.add(new FieldError(path + ".target.status.state", "is required (satisfied or not-satisfied)"));
            } else {
                status = status(state.textValue());
                if (status == null) {
                    errors.add(new FieldError(path + ".target.status.state",
                            "must be satisfied or not-satisfied (OSCAL), got '" + state.textValue() + "'"));
                }
            }
        }

        Instant observedAt = null;
        Set<String> methods = new LinkedHashSet<>();
        Set<String> subjects = new LinkedHashSet<>();
        Set<String> evidence = new LinkedHashSet<>();
        List<String> observationUuids = new ArrayList<>();
        JsonNode related = finding.get("related-observations");
        if (related != null && !related.isArray()) {
            errors.add(new FieldError(path + ".related-observations", "must be an array"));
        } else if (related != null) {
            for (int k = 0; k < related.size(); k++) {
                String relPath = path + ".related-observations[" + k + "].observation-uuid";
                JsonNode ref = related.get(k).get("observation-uuid");
                if (ref == null || !ref.isTextual()) {
                    errors.add(new FieldError(relPath, "is required (a string)"));
                    continue;
                }
                Observation found = observations.get(ref.textValue());
                if (found == null) {
                    errors.add(new FieldError(relPath, "no observation '" + ref.textValue() + "' in this result"));
                    continue;
                }
                JsonNode observation = found.node();
                observationUuids.add(ref.textValue());
                Instant collected = instant(observation.get("collected"), found.path() + ".collected", errors);
                if (collected != null && (observedAt == null || collected.isAfter(observedAt))) observedAt = collected;
                observation.path("methods").forEach(m -> { if (m.isTextual()) methods.add(m.textValue().toUpperCase(Locale.ROOT)); });
                observation.path("subjects").forEach(s -> subjects.add(subject(s)));
                observation.path("relevant-evidence").forEach(e -> {
                    String href = e.path("href").asText("");
                    if (isAbsoluteUri(href)) evidence.add(href);
                });
            }
        }
        if (observedAt == null) observedAt = resultEnd;
        if (observedAt == null) {
            errors.add(new FieldError(path, "has no time: neither a related observation with 'collected' nor the result's 'end'"));
        }
        if (errors.size() > before) return null;

        ObjectNode record = NODES.objectNode();
        record.put("recordId", recordId(ctx, uuid));
        record.put("orgId", ctx.orgId());
        record.put("framework", ctx.framework());
        record.put("controlId", controlId);
        if (objectiveId != null) record.put("objectiveId", objectiveId);
        record.put("status", status.name());
        record.put("observedAt", observedAt.toString());
        record.put("source", ctx.source());
        record.put("method", method(methods).name());
        String subject = joinWithin(subjects, ComplianceRecordJson.MAX_SUBJECT);
        if (subject != null) record.put("subject", subject);
        if (finding.path("title").isTextual()) record.put("title", finding.get("title").textValue());
        if (finding.path("description").isTextual()) record.put("description", finding.get("description").textValue());
        var uris = record.putArray("evidenceUris");
        evidence.stream().limit(ComplianceRecordJson.MAX_EVIDENCE_URIS).forEach(uris::add);
        ObjectNode tags = record.putObject("tags");
        tags.put("oscal.finding-uuid", uuid);
        if (!ctx.resultUuid().isEmpty()) tags.put("oscal.result-uuid", ctx.resultUuid());
        if (!ctx.documentUuid().isEmpty()) tags.put("oscal.document-uuid", ctx.documentUuid());
        tags.put("oscal.target-type", targetType);
        if (!methods.isEmpty()) tags.put("oscal.methods", String.join(",", methods));
        String obs = joinWithin(new LinkedHashSet<>(observationUuids), ComplianceRecordJson.MAX_TAG_VALUE);
        if (obs != null) tags.put("oscal.observation-uuids", obs);
        return new MappedFinding(path, uuid, record);
    }

    /** Where a record field of a finding comes from in the document, for errors found after mapping. */
    public static String sourceOf(String recordField) {
        return switch (recordField) {
            case "controlId", "objectiveId" -> "target.target-id";
            case "status" -> "target.status.state";
            case "observedAt" -> "related-observations (collected) or the result's end";
            case "method" -> "related-observations (methods)";
            case "subject" -> "related-observations (subjects)";
            case "recordId", "tags.oscal.finding-uuid" -> "uuid";
            case "orgId" -> "org (parameter or API key)";
            case "framework" -> "framework (parameter or API key)";
            case "source" -> "source (parameter)";
            default -> recordField;
        };
    }

    private static ComplianceStatus status(String state) {
        String canonical = state.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (ComplianceStatus s : ComplianceStatus.values()) if (s.name().equals(canonical)) return s;
        return null;
    }

    private static AssessmentMethod method(Set<String> methods) {
        for (String m : methods) {
            for (AssessmentMethod a : AssessmentMethod.values()) if (a.name().equals(m)) return a;
        }
        return AssessmentMethod.OTHER;
    }

    private static String subject(JsonNode s) {
        if (s.path("title").isTextual()) return s.get("title").textValue();
        String type = s.path("type").asText("subject");
        return type + ":" + s.path("subject-uuid").asText("?");
    }

    private static String joinWithin(Set<String> values, int max) {
        StringBuilder b = new StringBuilder();
        for (String v : values) {
            int extra = (b.isEmpty() ? 0 : 2) + v.length();
            if (b.length() + extra > max) break;
            if (!b.isEmpty()) b.append(", ");
            b.append(v);
        }
        return b.isEmpty() ? null : b.toString();
    }

    private static boolean isAbsoluteUri(String s) {
        try {
            return !s.isEmpty() && new URI(s).isAbsolute();
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    private static Instant instant(JsonNode node, String path, List<FieldError> errors) {
        if (node == null || node.isNull()) return null;
        if (!node.isTextual()) {
            errors.add(new FieldError(path, "must be a date-time string"));
            return null;
        }
        try {
            return OffsetDateTime.parse(node.textValue()).toInstant();
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(path, "must be an RFC 3339 date-time with offset, got '" + node.textValue() + "'"));
            return null;
        }
    }

    private static String requiredText(JsonNode node, String field, String path, List<FieldError> errors) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.textValue().isBlank()) {
            errors.add(new FieldError(path + "." + field, v == null ? "is required" : "must be a non-empty string"));
            return null;
        }
        return v.textValue();
    }

    private static String recordId(Context ctx, String findingUuid) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(ctx.orgId(), ctx.framework(), ctx.documentUuid(), ctx.revision(), ctx.resultUuid(), findingUuid)) {
                d.update(part.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return "oscal:" + HexFormat.of().formatHex(d.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String names(JsonNode object) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext() && names.size() < 8; ) names.add(it.next());
        return names.stream().map(n -> "\"" + n + "\"").collect(Collectors.joining(", ", "[", "]"));
    }
}
