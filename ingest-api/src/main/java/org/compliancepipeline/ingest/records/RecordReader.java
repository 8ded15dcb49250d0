package org.compliancepipeline.ingest.records;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.FieldError;
import org.compliancepipeline.schemas.json.MappingResult;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads records straight from request bytes, one pass, no JSON tree: the hot path of the API.
 *
 * <p>It only ever <em>accepts</em>: a record that passes every check below is built here, and it
 * is exactly the record {@link ComplianceRecordJson} would build (a differential test holds the
 * two together). Anything else, whatever the problem, is re-read from its own bytes as a tree
 * and judged by {@link RecordValidator}, so every error message has one source: the schema
 * module's mapping.
 */
public final class RecordReader {
    private final ObjectMapper json;
    private final RecordValidator validator;

    /** @param json the API's configured parser (depth limit, strict duplicates) */
    public RecordReader(ObjectMapper json, RecordValidator validator) {
        this.json = json;
        this.validator = validator;
    }

    /**
     * Reads the record whose {@code START_OBJECT} (or other first token) the parser is on and
     * leaves the parser on its last token.
     *
     * @param bytes       the parser's input, to re-read a record that needs the full judgement
     * @param inputOffset where the parser's input starts in {@code bytes}
     */
    public Candidate read(JsonParser parser, byte[] bytes, int inputOffset) throws IOException {
        int start = inputOffset + (int) parser.currentTokenLocation().getByteOffset();
        if (parser.currentToken() == JsonToken.START_OBJECT) {
            ComplianceRecord fast = readFast(parser);
            if (fast != null) {
                FieldError future = validator.futureError(fast.getObservedAt());
                return future == null ? new Candidate.Valid(fast) : new Candidate.Invalid(List.of(future), fast.getOrgId());
            }
        } else {
            parser.skipChildren();
        }
        int end = inputOffset + (int) parser.currentTokenLocation().getByteOffset() + 1;
        JsonNode node = json.readTree(json.createParser(bytes, start, end - start));
        return judge(node);
    }

    /** The full judgement of a record given as a tree. */
    public Candidate judge(JsonNode node) {
        JsonNode org = node == null ? null : node.get("orgId");
        String orgId = org != null && org.isTextual() ? org.textValue() : null;
        return switch (validator.validate(node)) {
            case MappingResult.Valid<ComplianceRecord> v -> new Candidate.Valid(v.value());
            case MappingResult.Invalid<ComplianceRecord> i -> new Candidate.Invalid(i.errors(), orgId);
        };
    }

    /**
     * The record when every field is present and valid, else null. Either way the parser ends on
     * the record's {@code END_OBJECT}: a record that fails a check is still read to its end.
     */
    ComplianceRecord readFast(JsonParser p) throws IOException {
        String recordId = null, orgId = null, framework = null, controlId = null, objectiveId = null;
        String source = null, subject = null, title = null, description = null;
        ComplianceStatus status = null;
        AssessmentMethod method = null;
        Double score = null;
        Instant observedAt = null;
        List<String> evidenceUris = List.of();
        Map<String, String> tags = Map.of();
        boolean ok = true;
        int seen = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            int bit = FIELD_BITS.getOrDefault(field, 0);
            if ((seen & bit) != 0) throw new JsonParseException(p, "Duplicate field '" + field + "'");
            seen |= bit;
            JsonToken v = p.nextToken();
            if (v == JsonToken.VALUE_NULL) {
                // null means absent; a required field that is absent is the full judgement's to report
                ok &= switch (field) {
                    case "recordId", "objectiveId", "score", "subject", "title", "description", "evidenceUris", "tags" -> true;
                    default -> false;
                };
                continue;
            }
            switch (field) {
                case "recordId" -> ok &= isId(recordId = string(p, v), true);
                case "orgId" -> ok &= isId(orgId = string(p, v), false);
                case "framework" -> ok &= isId(framework = string(p, v), false);
                case "controlId" -> ok &= isId(controlId = string(p, v), false);
                case "objectiveId" -> ok &= isId(objectiveId = string(p, v), false);
                case "status" -> ok &= (status = symbol(string(p, v), ComplianceStatus.class)) != null;
                case "method" -> ok &= (method = symbol(string(p, v), AssessmentMethod.class)) != null;
                case "score" -> ok &= (score = score(p, v)) != null;
                case "observedAt" -> ok &= (observedAt = instant(p, v)) != null;
                case "source" -> ok &= (source = text(string(p, v), ComplianceRecordJson.MAX_SOURCE)) != null;
                case "subject" -> ok &= (subject = text(string(p, v), ComplianceRecordJson.MAX_SUBJECT)) != null;
                case "title" -> ok &= (title = text(string(p, v), ComplianceRecordJson.MAX_TITLE)) != null;
                case "description" -> ok &= (description = text(string(p, v), ComplianceRecordJson.MAX_DESCRIPTION)) != null;
                case "evidenceUris" -> ok &= (evidenceUris = uris(p, v)) != null;
                case "tags" -> ok &= (tags = tags(p, v)) != null;
                default -> ok = false;
            }
            // A value of the wrong kind may be a whole structure: step over it.
            if (p.currentToken() == v) p.skipChildren();
        }
        if (!ok || orgId == null || framework == null || controlId == null || status == null || observedAt == null
                || source == null || method == null) {
            return null;
        }
        return ComplianceRecord.newBuilder()
                .setRecordId(recordId != null ? recordId : RecordValidator.newRecordId()).setOrgId(orgId).setFramework(framework)
                .setControlId(controlId).setObjectiveId(objectiveId).setStatus(status).setScore(score).setObservedAt(observedAt)
                .setSource(source).setMethod(method).setSubject(subject).setTitle(title).setDescription(description)
                .setEvidenceUris(evidenceUris).setTags(tags)
                .build();
    }

    private static Double score(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_NUMBER_FLOAT) return null;
        double d = p.getDoubleValue();
        return Double.isFinite(d) && d >= 0 && d <= 100 ? d : null;
    }

    /** Bits of the known fields, to find a field given twice without a set per record. */
    private static final Map<String, Integer> FIELD_BITS;

    static {
        List<String> fields = List.of("recordId", "orgId", "framework", "controlId", "objectiveId", "status", "score", "observedAt",
                "source", "method", "subject", "title", "description", "evidenceUris", "tags");
        Map<String, Integer> bits = new java.util.HashMap<>();
        for (int i = 0; i < fields.size(); i++) bits.put(fields.get(i), 1 << i);
        FIELD_BITS = Map.copyOf(bits);
    }

    /**
     * {@link Ids#isId} / {@link Ids#isRecordId} without a regular expression: a letter or digit, then
     * up to 127 letters, digits and {@code . _ ( ) -} (and {@code :} in record ids), ASCII only.
     */
    static boolean isId(String s, boolean recordId) {
        if (s == null || s.isEmpty() || s.length() > Ids.MAX_LENGTH) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean alnum = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9';
            if (alnum) continue;
            if (i == 0) return false;
            if (c != '.' && c != '_' && c != '(' && c != ')' && c != '-' && !(recordId && c == ':')) return false;
        }
        return true;
    }

    private static String string(JsonParser p, JsonToken v) throws IOException {
        return v == JsonToken.VALUE_STRING ? p.getText() : null;
    }

    /** The rules of a free-text field: a string, not blank, not too long, no NUL. */
    private static String text(String s, int max) {
        return s == null || s.isBlank() || s.length() > max || s.indexOf('\u0000') >= 0 ? null : s;
    }

    /** Canonical symbols case-insensitively, '-' for '_', as the schema module reads them. */
    private static <E extends Enum<E>> E symbol(String s, Class<E> type) {
        if (s == null) return null;
        String canonical = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) if (e.name().equals(canonical)) return e;
        return null;
    }

    private static Instant instant(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            JsonParser.NumberType type = p.getNumberType();
            return type == JsonParser.NumberType.INT || type == JsonParser.NumberType.LONG ? Instant.ofEpochMilli(p.getLongValue()) : null;
        }
        if (v != JsonToken.VALUE_STRING) return null;
        String s = p.getText();
        Instant common = isoInstant(s);
        if (common != null) return common;
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    /**
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction](Z|±HH:MM)}, the form nearly every producer sends, without
     * the general parser; anything else returns null and goes to {@link OffsetDateTime#parse}.
     */
    static Instant isoInstant(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':') return null;
        int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
        int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
        if ((year | month | day | hour | minute | second) < 0) return null;
        int i = 19;
        int nanos = 0;
        if (i < n && s.charAt(i) == '.') {
            int from = ++i;
            while (i < n && i - from < 9 && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) i++;
            int count = i - from;
            if (count == 0) return null;
            nanos = digits(s, from, count);
            for (int k = count; k < 9; k++) nanos *= 10;
        }
        ZoneOffset offset;
        if (i == n - 1 && s.charAt(i) == 'Z') {
            offset = ZoneOffset.UTC;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2), om = digits(s, i + 4, 2);
            if ((oh | om) < 0) return null;
            try {
                offset = s.charAt(i) == '+' ? ZoneOffset.ofHoursMinutes(oh, om) : ZoneOffset.ofHoursMinutes(-oh, -om);
            } catch (DateTimeException e) {
                return null;
            }
        } else {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos).toInstant(offset);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The ASCII digits at {@code s[from, from+count)} as a number, or -1. */
    private static int digits(String s, int from, int count) {
        int v = 0;
        for (int k = from; k < from + count; k++) {
            char c = s.charAt(k);
            if (c < '0' || c > '9') return -1;
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The URIs when all are valid, else null; reads the array to its end either way. */
    private static List<String> uris(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) return null;
        List<String> uris = new ArrayList<>(2);
        boolean ok = true;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            String s = text(string(p, t), ComplianceRecordJson.MAX_URI);
            p.skipChildren();
            if (s == null || uris.size() == ComplianceRecordJson.MAX_EVIDENCE_URIS || !absolute(s)) ok = false;
            else uris.add(s);
        }
        return ok ? uris : null;
    }

    private static boolean absolute(String s) {
        try {
            return new URI(s).isAbsolute();
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The tags when all are valid, else null; reads the object to its end either way. */
    private static Map<String, String> tags(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) return null;
        Map<String, String> tags = new LinkedHashMap<>();
        boolean ok = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            String value = text(string(p, p.nextToken()), ComplianceRecordJson.MAX_TAG_VALUE);
            p.skipChildren();
            if (tags.containsKey(key)) throw new JsonParseException(p, "Duplicate field '" + key + "'");
            if (value == null || !tagKey(key) || tags.size() == ComplianceRecordJson.MAX_TAGS) ok = false;
            else tags.put(key, value);
        }
        return ok ? tags : null;
    }

    private static boolean tagKey(String key) {
        if (key.isEmpty() || key.length() > ComplianceRecordJson.MAX_TAG_KEY) return false;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-')) return false;
        }
        return true;
    }
}
