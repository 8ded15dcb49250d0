package org.compliancepipeline.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every released version of one record schema, oldest first, read from
 * {@code schema-history/<Name>/v<N>.avsc} on the classpath.
 *
 * <p>A released version is never edited or removed: records written with it may sit in a topic
 * for as long as the topic keeps them, and {@link AvroSerde} must still read them. Changing a
 * schema means adding the next version file (see {@link SchemaRelease}); the build checks that the
 * schema the code is generated from is the latest released one and is compatible both ways with
 * every earlier one.
 */
public record SchemaHistory(String name, List<Released> versions) {

    /** One released version: its number, its schema and its single-object-encoding fingerprint. */
    public record Released(int version, Schema schema, long fingerprint) {
        static Released of(int version, Schema schema) {
            return new Released(version, schema, SchemaNormalization.parsingFingerprint64(schema));
        }
    }

    public SchemaHistory {
        versions = List.copyOf(versions);
    }

    public static SchemaHistory load(Schema current) {
        return load(current.getName());
    }

    public static SchemaHistory load(String name) {
        List<Released> versions = new ArrayList<>();
        for (int v = 1; ; v++) {
            String resource = resource(name, v);
            try (InputStream in = SchemaHistory.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) break;
                versions.add(Released.of(v, new Schema.Parser().parse(in)));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read released schema " + resource, e);
            }
        }
        return new SchemaHistory(name, versions);
    }

    static String resource(String name, int version) {
        return "schema-history/" + name + "/v" + version + ".avsc";
    }

    public Released latest() {
        if (versions.isEmpty()) throw new IllegalStateException("No released version of schema " + name);
        return versions.getLast();
    }
}
