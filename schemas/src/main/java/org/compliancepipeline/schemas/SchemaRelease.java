package org.compliancepipeline.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaFormatter;
import org.apache.avro.SchemaNormalization;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Releases schema changes: for each record schema whose current definition differs from its latest
 * released version, writes the next version file into the schema history. Run it after changing
 * an {@code .avsc} and commit the new file with the change:
 * <pre>./mvnw -q -pl schemas compile exec:java  # or: java -cp schemas/target/classes:... SchemaRelease schemas/src/main/resources</pre>
 * The compatibility test then checks the new version against every earlier one, both ways.
 */
public final class SchemaRelease {
    private SchemaRelease() { }

    /** The record schemas whose versions are kept (enums and nested records travel inside them). */
    public static final List<Schema> RELEASED = List.of(
            ComplianceRecord.getClassSchema(), EnrichedRecord.getClassSchema(), ControlDefinition.getClassSchema(),
            Organization.getClassSchema(), ControlStatus.getClassSchema(), ComplianceScore.getClassSchema(),
            ComplianceStats.getClassSchema(), QueryAudit.getClassSchema());

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args.length > 0 ? args[0] : "schemas/src/main/resources");
        for (Schema current : RELEASED) {
            SchemaHistory history = SchemaHistory.load(current);
            long fp = SchemaNormalization.parsingFingerprint64(current);
            if (!history.versions().isEmpty() && history.latest().fingerprint() == fp
                    && history.latest().schema().equals(current)) {
                System.out.println(current.getName() + ": unchanged (v" + history.latest().version() + ")");
                continue;
            }
            int next = history.versions().size() + 1;
            Path file = resources.resolve(SchemaHistory.resource(current.getName(), next));
            Files.createDirectories(file.getParent());
            Files.writeString(file, SchemaFormatter.format("json/pretty", current) + "\n");
            System.out.println(current.getName() + ": released v" + next + " -> " + file);
        }
    }
}
