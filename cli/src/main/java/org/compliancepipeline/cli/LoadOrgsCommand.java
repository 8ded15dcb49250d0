package org.compliancepipeline.cli;

import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Organization;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pipeline reference load-orgs}: organisations from JSON or CSV into the compacted orgs topic. */
@Command(name = "load-orgs", mixinStandardHelpOptions = true,
        description = {"Loads organisations (orgId, name, sector, region, frameworks) from a JSON or CSV file into the compacted orgs topic.",
                "The whole file is checked first; a file with any problem loads nothing."})
final class LoadOrgsCommand implements Callable<Integer> {
    @ParentCommand ReferenceCommand reference;
    @Spec CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(names = "--file", required = true, paramLabel = "<orgs.json|orgs.csv>", description = "JSON or CSV (by extension or content).")
    Path file;

    @Option(names = "--prune", description = "Also delete (tombstone) organisations in the topic that are not in the file.")
    boolean prune;

    @Option(names = "--topic", description = "Organisations topic (default: compliance.orgs.v1).")
    String topicName;

    @Option(names = "--dry-run", description = "Read and check the file, print what would be loaded, write nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OrganizationFile.Result orgs;
        try {
            orgs = OrganizationFile.read(file);
        } catch (IOException e) {
            err.println(file + ": " + PipelineCli.describe(e));
            return PipelineCli.INVALID_INPUT;
        }
        if (!orgs.valid()) {
            orgs.problems().forEach(p -> err.println(file + ": " + p));
            err.println("nothing loaded: " + orgs.problems().size() + " problem(s)");
            return PipelineCli.INVALID_INPUT;
        }
        out.printf("%s: %d organisations%n", file, orgs.organizations().size());
        if (dryRun) return 0;

        Topic<String, Organization> topic = topicName == null ? Topics.ORGS
                : new Topic<>(topicName, Topics.ORGS.keySerde(), Topics.ORGS.valueSerde(), Topics.ORGS.partitions(), Topics.ORGS.config());
        Map<String, Organization> entries = new LinkedHashMap<>();
        for (Organization o : orgs.organizations()) entries.put(Keys.org(o.getOrgId()), o);
        try (KafkaClients clients = kafka.clients(reference.root.env())) {
            var summary = ReferenceTopicWriter.write(clients, topic, entries, prune, key -> true);
            out.printf("wrote %d organisations to %s%s%n", summary.written(), topic.name(),
                    prune ? ", removed " + summary.removed().size() + (summary.removed().isEmpty() ? "" : " " + summary.removed()) : "");
            return 0;
        } catch (Exception e) {
            err.println("Kafka: " + e);
            return PipelineCli.KAFKA_FAILED;
        }
    }
}
