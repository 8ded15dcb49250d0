package org.compliancepipeline.schemas.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.Ids;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * JSON to {@link ComplianceRecord} and back: the wire format of the HTTP API and of tools.
 *
 * <p>Reading checks the whole document and reports every problem with its field path and the
 * reason, so a producer fixes all of them in one round trip. Unknown fields are errors (a typo in
 * an optional field must not be dropped silently). Timestamps are ISO-8601 with an offset
 * ({@code 2026-11-25T08:31:00Z}) or epoch milliseconds. Status and method accept the canonical
 * symbols case-insensitively, with '-' for '_' (OSCAL writes {@code not-satisfied}).
 */
public final class ComplianceRecordJson {
    private ComplianceRecordJson() { }

    public static final int MAX_SOURCE = 200;
    public static final int MAX_SUBJECT = 512;
    public static final int MAX_TITLE = 512;
    public static final int MAX_DESCRIPTION = 32_768;
    public static final int MAX_EVIDENCE_URIS = 100;
    public static final int MAX_URI = 2_048;
    public static final int MAX_TAGS = 50;
    public static final int MAX_TAG_KEY = 64;
    public static final int MAX_TAG_VALUE = 256;

    static final Set<String> FIELDS = Set.of("recordId", "orgId", "framework", "controlId", "objectiveId", "status",
            "score", "observedAt", "source", "method", "subject", "title", "description", "evidenceUris", "tags");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Parses one JSON document; malformed JSON is reported as an error at path {@code $}. */
    public static MappingResult<ComplianceRecord> parse(String json, Supplier<String> recordIdWhenAbsent) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            return new MappingResult.Invalid<>(List.of(new FieldError("$", "malformed JSON"
                    + (loc == null ? "" : " at line " + loc.getLineNr() + " column " + loc.getColumnNr())
                    + ": " + e.getOriginalMessage())));
        }
        return fromJson(node, recordIdWhenAbsent);
    }

    /**
     * Maps a JSON object to a record.
     *
     * @param recordIdWhenAbsent called only when the document has no recordId
     */
    public static MappingResult<ComplianceRecord> fromJson(JsonNode node, Supplier<String> recordIdWhenAbsent) {
        if (node == null || !node.isObject()) {
            return new MappingResult.Invalid<>(List.of(new FieldError("$", "must be a JSON object, got " + kind(node))));
        }
        Reader r = new Reader(node);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) r.error(name, "unknown field");
        }
        String recordId = r.optionalString("recordId", Ids.MAX_LENGTH);
        if (recordId != null && !Ids.isRecordId(recordId)) {
            r.error("recordId", "must be 1-128 characters of letters, digits and . _ : ( ) -, starting with a letter or digit");
        }
        String orgId = r.id("orgId", true);
        String framework = r.id("framework", true);
        String controlId = r.id("controlId", true);
        String objectiveId = r.id("objectiveId", false);
        ComplianceStatus status = r.symbol("status", ComplianceStatus.class, true);
        Double score = r.score();
        Instant observedAt = r.instant("observedAt");
        String source = r.requiredString("source", MAX_SOURCE);
        AssessmentMethod method = r.symbol("method", AssessmentMethod.class, true);
        String subject = r.optionalString("subject", MAX_SUBJECT);
        String title = r.optionalString("title", MAX_TITLE);
        String description = r.optionalString("description", MAX_DESCRIPTION);
        List<String> evidenceUris = r.evidenceUris();
        Map<String, String> tags = r.tags();

        if (!r.errors.isEmpty()) return new MappingResult.Invalid<>(r.errors);
        if (recordId == null) recordId = recordIdWhenAbsent.get();
        return new MappingResult.Valid<>(ComplianceRecord.newBuilder()
                .setRecordId(recordId).setOrgId(orgId).setFramework(framework).setControlId(controlId)
                .setObjectiveId(objectiveId).setStatus(status).setScore(score).setObservedAt(observedAt)
                .setSource(source).setMethod(method).setSubject(subject).setTitle(title).setDescription(description)
                .setEvidenceUris(evidenceUris).setTags(tags)
                .build());
    }

    /** The record as the API returns it; absent optional fields are omitted. */
    public static ObjectNode toJson(ComplianceRecord record) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("recordId", record.getRecordId());
        o.put("orgId", record.getOrgId());
        o.put("framework", record.getFramework());
        o.put("controlId", record.getControlId());
        if (record.getObjectiveId() != null) o.put("objectiveId", record.getObjectiveId());
        o.put("status", record.getStatus().name());
        if (record.getScore() != null) o.put("score", record.getScore());
        o.put("observedAt", record.getObservedAt().toString());
        o.put("source", record.getSource());
        o.put("method", record.getMethod().name());
        if (record.getSubject() != null) o.put("subject", record.getSubject());
        if (record.getTitle() != null) o.put("title", record.getTitle());
        if (record.getDescription() != null) o.put("description", record.getDescription());
        ArrayNode uris = o.putArray("evidenceUris");
        record.getEvidenceUris().forEach(uris::add);
        ObjectNode tags = o.putObject("tags");
        record.getTags().forEach(tags::put);
        return o;
    }

    public static String toJsonString(ComplianceRecord record) {
        return toJson(record).toString();
    }

    private static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }

    /** Collects errors while reading fields, so one pass reports them all. */
    private static final class Reader {
        private final JsonNode node;
        final List<FieldError> errors = new ArrayList<>();

        Reader(JsonNode node) { this.node = node; }

        void error(String path, String reason) { errors.add(new FieldError(path, reason)); }

        private JsonNode present(String field) {
            JsonNode v = node.get(field);
            return v == null || v.isNull() ? null : v;
        }

        String requiredString(String field, int maxLength) {
            JsonNode v = present(field);
            if (v == null) { error(field, "is required"); return null; }
            return text(field, v, maxLength);
        }

        String optionalString(String field, int maxLength) {
            JsonNode v = present(field);
            return v == null ? null : text(field, v, maxLength);
        }

        private String text(String path, JsonNode v, int maxLength) {
            if (!v.isTextual()) { error(path, "must be a string, got " + kind(v)); return null; }
            String s = v.textValue();
            if (s.isBlank()) { error(path, "must not be blank"); return null; }
            if (s.length() > maxLength) { error(path, "must be at most " + maxLength + " characters, got " + s.length()); return null; }
            if (s.indexOf('\u0000') >= 0) { error(path, "must not contain NUL characters"); return null; }
            return s;
        }

        String id(String field, boolean required) {
            String s = required ? requiredString(field, Ids.MAX_LENGTH) : optionalString(field, Ids.MAX_LENGTH);
            if (s != null && !Ids.isId(s)) {
                error(field, "must be 1-128 characters of letters, digits and . _ ( ) -, starting with a letter or digit, got '" + s + "'");
                return null;
            }
            return s;
        }

        <E extends Enum<E>> E symbol(String field, Class<E> type, boolean required) {
            JsonNode v = present(field);
            String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
            if (v == null) {
                if (required) error(field, "is required (one of " + allowed + ")");
                return null;
            }
            if (!v.isTextual()) { error(field, "must be a string, one of " + allowed + "; got " + kind(v)); return null; }
            String canonical = v.textValue().trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E e : type.getEnumConstants()) if (e.name().equals(canonical)) return e;
            error(field, "must be one of " + allowed + ", got '" + v.textValue() + "'");
            return null;
        }

        Double score() {
            JsonNode v = present("score");
            if (v == null) return null;
            if (!v.isNumber()) { error("score", "must be a number between 0 and 100, got " + kind(v)); return null; }
            double d = v.doubleValue();
            if (!Double.isFinite(d) || d < 0 || d > 100) { error("score", "must be between 0 and 100, got " + v.asText()); return null; }
            return d;
        }

        Instant instant(String field) {
            JsonNode v = present(field);
            if (v == null) { error(field, "is required (ISO-8601 timestamp with offset, e.g. 2026-11-25T08:31:00Z, or epoch milliseconds)"); return null; }
            if (v.isIntegralNumber()) {
                if (!v.canConvertToLong()) { error(field, "epoch milliseconds out of range"); return null; }
                return Instant.ofEpochMilli(v.longValue());
            }
            if (!v.isTextual()) { error(field, "must be an ISO-8601 timestamp string or epoch milliseconds, got " + kind(v)); return null; }
            try {
                return OffsetDateTime.parse(v.textValue()).toInstant();
            } catch (DateTimeParseException e) {
                error(field, "must be an ISO-8601 timestamp with an offset, e.g. 2026-11-25T08:31:00Z; got '" + v.textValue() + "'");
                return null;
            }
        }

        List<String> evidenceUris() {
            JsonNode v = present("evidenceUris");
            if (v == null) return List.of();
            if (!v.isArray()) { error("evidenceUris", "must be an array of URIs, got " + kind(v)); return List.of(); }
            if (v.size() > MAX_EVIDENCE_URIS) { error("evidenceUris", "must hold at most " + MAX_EVIDENCE_URIS + " URIs, got " + v.size()); return List.of(); }
            List<String> uris = new ArrayList<>(v.size());
            for (int i = 0; i < v.size(); i++) {
                String path = "evidenceUris[" + i + "]";
                String s = text(path, v.get(i), MAX_URI);
                if (s == null) continue;
                try {
                    URI uri = new URI(s);
                    if (!uri.isAbsolute()) { error(path, "must be an absolute URI with a scheme, got '" + s + "'"); continue; }
                } catch (URISyntaxException e) {
                    error(path, "is not a valid URI: " + e.getReason());
                    continue;
                }
                uris.add(s);
            }
            return uris;
        }

        Map<String, String> tags() {
            JsonNode v = present("tags");
            if (v == null) return Map.of();
            if (!v.isObject()) { error("tags", "must be an object of string values, got " + kind(v)); return Map.of(); }
            if (v.size() > MAX_TAGS) { error("tags", "must hold at most " + MAX_TAGS + " entries, got " + v.size()); return Map.of(); }
            Map<String, String> tags = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "tags." + e.getKey();
                if (e.getKey().isEmpty() || e.getKey().length() > MAX_TAG_KEY || !e.getKey().matches("[A-Za-z0-9._-]+")) {
                    error(path, "tag keys must be 1-" + MAX_TAG_KEY + " characters of letters, digits and . _ -");
                    continue;
                }
                String value = text(path, e.getValue() == null ? null : e.getValue(), MAX_TAG_VALUE);
                if (value != null) tags.put(e.getKey(), value);
            }
            return tags;
        }
    }
}
