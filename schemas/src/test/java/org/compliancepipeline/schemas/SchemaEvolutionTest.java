package org.compliancepipeline.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every schema change must be released (a new version file) and stay compatible in both
 * directions with every released version: new readers read old data (backward) and old readers
 * read new data (forward), checked with Avro's own {@link SchemaCompatibility}.
 */
class SchemaEvolutionTest {

    static Stream<Schema> releasedSchemas() {
        return SchemaRelease.RELEASED.stream();
    }

    @ParameterizedTest(name = "{0}: the schema the code uses is the latest released version")
    @MethodSource("releasedSchemas")
    void currentSchemaIsReleased(Schema current) {
        SchemaHistory history = SchemaHistory.load(current);
        assertThat(history.versions())
                .as("%s has no released version under schemas/src/main/resources/schema-history", current.getName())
                .isNotEmpty();
        assertThat(history.latest().schema())
                .as("%s changed without a release: run SchemaRelease (see its javadoc) and commit the new version file",
                        current.getName())
                .isEqualTo(current);
    }

    @ParameterizedTest(name = "{0}: compatible both ways with every released version")
    @MethodSource("releasedSchemas")
    void compatibleBothWaysWithEveryReleasedVersion(Schema current) {
        SchemaHistory history = SchemaHistory.load(current);
        for (SchemaHistory.Released a : history.versions()) {
            for (SchemaHistory.Released b : history.versions()) {
                assertCompatible(a.schema(), b.schema(), current.getName() + " v" + a.version() + " reading v" + b.version());
            }
            assertCompatible(current, a.schema(), current.getName() + " current reading v" + a.version());
            assertCompatible(a.schema(), current, current.getName() + " v" + a.version() + " reading current");
        }
    }

    @ParameterizedTest(name = "{0}: fingerprints of released versions are distinct")
    @MethodSource("releasedSchemas")
    void releasedVersionsHaveDistinctFingerprints(Schema current) {
        SchemaHistory history = SchemaHistory.load(current);
        assertThat(history.versions().stream().map(SchemaHistory.Released::fingerprint)).doesNotHaveDuplicates();
    }

    @Test
    void theCheckRejectsAFieldAddedWithoutADefault() {
        Schema current = ComplianceRecord.getClassSchema();
        Schema next = withExtraField(current, "{\"name\":\"severity\",\"type\":\"string\"}");
        var result = SchemaCompatibility.checkReaderWriterCompatibility(next, current);
        assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    }

    @Test
    void theCheckAcceptsAFieldAddedWithADefault() {
        Schema current = ComplianceRecord.getClassSchema();
        Schema next = withExtraField(current, "{\"name\":\"severity\",\"type\":[\"null\",\"string\"],\"default\":null}");
        assertCompatible(next, current, "next reading current");
        assertCompatible(current, next, "current reading next");
    }

    @Test
    void aNewStatusSymbolReadsAsUnknownForOldReaders() throws IOException {
        // A future version adds a status symbol; the enum default keeps old readers working.
        Schema current = ComplianceRecord.getClassSchema();
        String json = current.toString().replace("\"NOT_APPLICABLE\",\"UNKNOWN\"", "\"NOT_APPLICABLE\",\"UNKNOWN\",\"EXEMPT\"");
        Schema future = new Schema.Parser().parse(json);
        assertThat(SchemaNormalization.parsingFingerprint64(future)).isNotEqualTo(SchemaNormalization.parsingFingerprint64(current));
        assertCompatible(current, future, "current reading future");

        GenericRecord r = new GenericData.Record(future);
        for (Schema.Field f : future.getFields()) {
            if (f.hasDefaultValue()) r.put(f.name(), GenericData.get().getDefaultValue(f));
        }
        r.put("recordId", "r-1"); r.put("orgId", "acme"); r.put("framework", "nist-800-53-r5"); r.put("controlId", "ac-2");
        r.put("status", new GenericData.EnumSymbol(future.getField("status").schema(), "EXEMPT"));
        r.put("observedAt", 1L); r.put("source", "s");
        r.put("method", new GenericData.EnumSymbol(future.getField("method").schema(), "TEST"));
        byte[] bytes = GenericEncoding.encode(future, r);

        var reader = new GenericDatumReader<GenericRecord>(future, current);
        GenericRecord read = reader.read(null, DecoderFactory.get().binaryDecoder(Arrays.copyOfRange(bytes, 10, bytes.length), null));
        assertThat(read.get("status").toString()).isEqualTo("UNKNOWN");
    }

    @Test
    void everyEnumHasADefaultSymbol() {
        for (Schema schema : SchemaRelease.RELEASED) {
            schema.getFields().forEach(f -> assertEnumsHaveDefaults(f.schema(), schema.getName() + "." + f.name()));
        }
    }

    private static void assertEnumsHaveDefaults(Schema s, String path) {
        switch (s.getType()) {
            case ENUM -> assertThat(s.getEnumDefault()).as("enum default of %s", path).isNotNull();
            case UNION -> s.getTypes().forEach(t -> assertEnumsHaveDefaults(t, path));
            case ARRAY -> assertEnumsHaveDefaults(s.getElementType(), path + "[]");
            case MAP -> assertEnumsHaveDefaults(s.getValueType(), path + "{}");
            case RECORD -> s.getFields().forEach(f -> assertEnumsHaveDefaults(f.schema(), path + "." + f.name()));
            default -> { }
        }
    }

    private static void assertCompatible(Schema reader, Schema writer, String what) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        assertThat(result.getType())
                .as("%s: %s", what, result.getResult().getIncompatibilities())
                .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    }

    private static Schema withExtraField(Schema schema, String fieldJson) {
        String json = schema.toString();
        int end = json.lastIndexOf("]}");
        return new Schema.Parser().parse(json.substring(0, end) + "," + fieldJson + json.substring(end));
    }
}
