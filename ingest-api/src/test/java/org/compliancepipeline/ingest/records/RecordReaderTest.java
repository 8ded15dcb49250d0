package org.compliancepipeline.ingest.records;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.MappingResult;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast reader accepts exactly what {@link ComplianceRecordJson} accepts and builds the same
 * record: checked on a few hundred variants of a record, valid and invalid, field by field.
 */
class RecordReaderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final RecordValidator validator = new RecordValidator(Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));
    private final RecordReader reader = new RecordReader(JSON, validator);

    private static ObjectNode base() {
        ObjectNode o = F.objectNode();
        o.put("recordId", "r-1");
        o.put("orgId", "acme");
        o.put("framework", "nist-800-53-r5");
        o.put("controlId", "ac-6.1");
        o.put("objectiveId", "ac-6.1_obj");
        o.put("status", "NOT_SATISFIED");
        o.put("score", 42.5);
        o.put("observedAt", "2026-11-25T08:31:00Z");
        o.put("source", "scanner-7");
        o.put("method", "AUTOMATED");
        o.put("subject", "host-17");
        o.put("title", "Privileged access");
        o.put("description", "وصول أحمد");
        o.putArray("evidenceUris").add("https://evidence.example/42");
        o.putObject("tags").put("env", "prod").put("team", "platform");
        return o;
    }

    private static List<ObjectNode> variants() {
        List<ObjectNode> out = new ArrayList<>();
        Consumer<Consumer<ObjectNode>> v = change -> {
            ObjectNode o = base();
            change.accept(o);
            out.add(o);
        };
        v.accept(o -> { });
        List<String> fields = List.of("recordId", "orgId", "framework", "controlId", "objectiveId", "status", "score", "observedAt",
                "source", "method", "subject", "title", "description", "evidenceUris", "tags");
        for (String f : fields) {
            v.accept(o -> o.remove(f));
            v.accept(o -> o.putNull(f));
            v.accept(o -> o.put(f, 7));
            v.accept(o -> o.put(f, true));
            v.accept(o -> o.put(f, ""));
            v.accept(o -> o.put(f, "   "));
            v.accept(o -> o.put(f, "a\u0000b"));
            v.accept(o -> o.putArray(f).add("x"));
            v.accept(o -> o.putObject(f).putObject("deep").put("x", 1));
            v.accept(o -> o.put(f, "x".repeat(129)));
            v.accept(o -> o.put(f, "x".repeat(513)));
        }
        for (String id : List.of("acme", "a", "A-b_c.d(e)", "-acme", "acme/evil", "ac me", "ac:me", "é", "x".repeat(128), "x".repeat(129))) {
            v.accept(o -> o.put("orgId", id));
            v.accept(o -> o.put("controlId", id));
            v.accept(o -> o.put("recordId", id));
        }
        for (String s : List.of("satisfied", "not-satisfied", " NOT_SATISFIED ", "Not-Satisfied", "GREEN", "not satisfied", "unknown", "SATİSFIED")) {
            v.accept(o -> o.put("status", s));
        }
        for (String m : List.of("automated", "Test", "OTHER", "examine ", "manual")) v.accept(o -> o.put("method", m));
        for (double d : new double[]{0, 100, 100.0001, -0.0, -1, 55.5}) v.accept(o -> o.put("score", d));
        v.accept(o -> o.put("score", 42));
        v.accept(o -> o.put("score", new java.math.BigInteger("100000000000000000000000")));
        v.accept(o -> o.put("score", "42"));
        for (String t : List.of("2026-11-25T08:31:00Z", "2026-11-25T08:31:00.123Z", "2026-11-25T08:31:00.123456789Z",
                "2026-11-25T08:31:00.1234567891Z", "2026-11-25T08:31:00+03:00", "2026-11-25T08:31:00-04:30", "2026-11-25T08:31Z",
                "2026-11-25T08:31:00+0300", "2026-11-25T08:31:00", "2026-11-25", "2026-02-30T00:00:00Z", "2024-02-29T00:00:00Z",
                "2026-11-25T24:00:00Z", "2026-11-25T23:59:60Z", "2026-11-25t08:31:00z", "2026-11-25T08:31:00+19:00", "2026-11-25T12:04:59Z",
                "2026-11-25T12:05:01Z", "2031-01-01T00:00:00Z", "yesterday", "+12026-11-25T08:31:00Z", "2026-11-25T08:31:00.Z",
                "2026-11-25T08:31:00-00:00", "0000-01-01T00:00:00Z")) {
            v.accept(o -> o.put("observedAt", t));
        }
        v.accept(o -> o.put("observedAt", 1795627917301L));
        v.accept(o -> o.put("observedAt", 1795627917301.5));
        v.accept(o -> o.put("observedAt", new java.math.BigInteger("100000000000000000000000")));
        v.accept(o -> o.put("observedAt", NOW.plusSeconds(3600).toEpochMilli()));
        for (String u : List.of("https://x.example/a", "urn:isbn:123", "/relative", "not a uri", "http://[bad", "")) {
            v.accept(o -> o.putArray("evidenceUris").add(u));
        }
        v.accept(o -> o.putArray("evidenceUris"));
        v.accept(o -> { ArrayNode a = o.putArray("evidenceUris"); for (int i = 0; i < 100; i++) a.add("https://e.example/" + i); });
        v.accept(o -> { ArrayNode a = o.putArray("evidenceUris"); for (int i = 0; i < 101; i++) a.add("https://e.example/" + i); });
        v.accept(o -> o.putArray("evidenceUris").add("https://ok.example").add(5).addObject().put("a", 1));
        v.accept(o -> o.putArray("evidenceUris").addNull());
        for (String k : List.of("env", "a.b-c_d", "bad key", "", "ü", "x".repeat(64), "x".repeat(65))) v.accept(o -> o.putObject("tags").put(k, "v"));
        v.accept(o -> o.putObject("tags"));
        v.accept(o -> o.putObject("tags").put("env", 3));
        v.accept(o -> o.putObject("tags").putNull("env"));
        v.accept(o -> o.putObject("tags").put("env", "x".repeat(257)));
        v.accept(o -> o.putObject("tags").putArray("env").add("x"));
        v.accept(o -> { ObjectNode t = o.putObject("tags"); for (int i = 0; i < 50; i++) t.put("k" + i, "v"); });
        v.accept(o -> { ObjectNode t = o.putObject("tags"); for (int i = 0; i < 51; i++) t.put("k" + i, "v"); });
        v.accept(o -> o.put("description", "d".repeat(32_768)));
        v.accept(o -> o.put("description", "d".repeat(32_769)));
        v.accept(o -> o.put("source", "s".repeat(200)));
        v.accept(o -> o.put("source", "s".repeat(201)));
        v.accept(o -> o.put("colour", "red"));
        v.accept(o -> o.putNull("colour"));
        v.accept(o -> o.putObject("colour").putArray("x").add(1));
        return out;
    }

    @Test
    void theFastReaderAcceptsExactlyWhatTheSchemaMappingAcceptsAndBuildsTheSameRecord() throws Exception {
        int valid = 0;
        List<ObjectNode> variants = variants();
        for (ObjectNode variant : variants) {
            byte[] bytes = JSON.writeValueAsBytes(variant);
            MappingResult<ComplianceRecord> slow = validator.validate(JSON.readTree(bytes));
            ComplianceRecord fast;
            try (JsonParser p = JSON.createParser(bytes)) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                fast = reader.readFast(p);
                assertThat(p.currentToken()).as("reads the whole record: " + variant).isEqualTo(JsonToken.END_OBJECT);
                assertThat(p.nextToken()).isNull();
            }
            boolean skewOk = fast == null || validator.futureError(fast.getObservedAt()) == null;
            if (slow instanceof MappingResult.Valid<ComplianceRecord> s) {
                valid++;
                assertThat(fast).as("fast path takes the valid record " + variant).isNotNull();
                if (!variant.hasNonNull("recordId")) fast.setRecordId(s.value().getRecordId());
                assertThat(fast).as(variant.toString()).isEqualTo(s.value());
                assertThat(skewOk).isTrue();
            } else {
                assertThat(fast == null || !skewOk).as("fast path refuses the invalid record " + variant + ": " + slow.errors()).isTrue();
            }
        }
        assertThat(variants).hasSizeGreaterThan(250);
        assertThat(valid).as("valid variants exercised").isGreaterThan(60);
    }

    @Test
    void everyRecordGetsTheSameResultThroughEitherPath() throws Exception {
        for (ObjectNode variant : variants()) {
            byte[] bytes = JSON.writeValueAsBytes(variant);
            Candidate viaTree = reader.judge(JSON.readTree(bytes));
            Candidate viaBytes;
            try (JsonParser p = JSON.createParser(bytes)) {
                p.nextToken();
                viaBytes = reader.read(p, bytes, 0);
            }
            assertThat(viaBytes.getClass()).as(variant.toString()).isEqualTo(viaTree.getClass());
            if (viaTree instanceof Candidate.Invalid i) {
                assertThat(((Candidate.Invalid) viaBytes).errors()).as(variant.toString()).isEqualTo(i.errors());
                assertThat(viaBytes.orgId()).isEqualTo(i.orgId());
            }
        }
    }

    @Test
    void aRecordInsideABatchIsReReadFromItsOwnBytes() throws Exception {
        byte[] batch = ("[" + base() + ", {\"orgId\": \"acme\", \"status\": \"GREEN\", \"tags\": {\"a\": [1, {\"b\": 2}]}}, 5, " + base() + "]")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        List<Candidate> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(batch)) {
            p.nextToken();
            while (p.nextToken() != JsonToken.END_ARRAY) out.add(reader.read(p, batch, 0));
        }
        assertThat(out).hasSize(4);
        assertThat(out.get(0)).isInstanceOf(Candidate.Valid.class);
        assertThat(((Candidate.Invalid) out.get(1)).errors()).extracting(e -> e.path()).contains("status", "tags.a", "framework");
        assertThat(((Candidate.Invalid) out.get(2)).errors().getFirst().reason()).isEqualTo("must be a JSON object, got a number");
        assertThat(out.get(3)).isInstanceOf(Candidate.Valid.class);
    }

    @Test
    void idsAreCheckedLikeTheSchemaModuleChecksThem() {
        for (String id : List.of("acme", "a", "A-b_c.d(e)", "-acme", "_a", "acme/evil", "ac me", "ac:me", ":a", "é", "a\u0000", "",
                "x".repeat(128), "x".repeat(129), "ac-6.1_obj", "0193f1c2-7a4e-7c3b-9a51-1f2e3d4c5b6a", "urn:x:y", "a:b(c)")) {
            assertThat(RecordReader.isId(id, false)).as(id).isEqualTo(org.compliancepipeline.schemas.Ids.isId(id));
            assertThat(RecordReader.isId(id, true)).as(id).isEqualTo(org.compliancepipeline.schemas.Ids.isRecordId(id));
        }
    }

    @Test
    void aFieldGivenTwiceIsMalformedJson() throws Exception {
        for (String json : List.of("{\"orgId\":\"acme\",\"orgId\":\"acme\"}", "{\"tags\":{\"a\":\"1\",\"a\":\"2\"}}",
                "{\"colour\":1,\"colour\":2}")) {
            byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try (JsonParser p = JSON.createParser(bytes)) {
                p.nextToken();
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RecordReader(
                                new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                                        .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()), validator)
                                .read(p, bytes, 0))
                        .as(json).isInstanceOf(com.fasterxml.jackson.core.JsonParseException.class).hasMessageContaining("Duplicate field");
            }
        }
    }

    @Test
    void theCommonTimestampFormIsParsedLikeOffsetDateTime() {
        for (String s : List.of("2026-11-25T08:31:00Z", "2026-11-25T08:31:00.5Z", "1999-12-31T23:59:59.999999999-12:00", "2024-02-29T00:00:00+14:00")) {
            assertThat(RecordReader.isoInstant(s)).as(s).isEqualTo(java.time.OffsetDateTime.parse(s).toInstant());
        }
        assertThat(RecordReader.isoInstant("2026-02-30T00:00:00Z")).isNull();
        assertThat(RecordReader.isoInstant("2026-11-25T08:31Z")).isNull();
    }

}
