package org.compliancepipeline.cli;

import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.Keys;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code pipeline reference load-catalog}: an OSCAL catalog into the compacted controls topic. */
@Command(name = "load-catalog", mixinStandardHelpOptions = true,
        description = {"Loads the controls of an OSCAL catalog (JSON) into the compacted controls topic, keyed framework:controlId.",
                "Weight rule: a 'weight' property on the control, else --base-weight for controls and --enhancement-weight for enhancements."})
final class LoadCatalogCommand implements Callable<Integer> {
    @ParentCommand ReferenceCommand reference;
    @Spec CommandSpec spec;
    @Mixin KafkaOptions kafka;

    @Option(names = "--file", required = true, paramLabel = "<catalog.json>", description = "OSCAL catalog in JSON.")
    Path file;

    @Option(names = "--framework", defaultValue = "nist-800-53-r5", description = "Framework id the controls belong to (default: ${DEFAULT-VALUE}).")
    String framework;

    @Option(names = "--baseline", paramLabel = "<name>",
            description = "Baseline the catalog represents, recorded on every control, e.g. MODERATE for a resolved baseline profile (repeatable).")
    List<String> baselines = new ArrayList<>();

    @Option(names = "--base-weight", defaultValue = "1.0", description = "Weight of a base control (default: ${DEFAULT-VALUE}).")
    double baseWeight;

    @Option(names = "--enhancement-weight", defaultValue = "0.5", description = "Weight of a control enhancement (default: ${DEFAULT-VALUE}).")
    double enhancementWeight;

    @Option(names = "--prune", description = "Also delete (tombstone) controls of this framework that are in the topic but not in the file.")
    boolean prune;

    @Option(names = "--topic", description = "Controls topic (default: " + "compliance.controls.v1" + ").")
    String topicName;

    @Option(names = "--dry-run", description = "Read and check the file, print what would be loaded, write nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Ids.isId(framework)) {
            err.println("--framework: '" + framework + "' is not a framework id (letters, digits and . _ ( ) -)");
            return PipelineCli.INVALID_INPUT;
        }
        if (baseWeight < 0 || enhancementWeight < 0) {
            err.println("--base-weight and --enhancement-weight must be >= 0");
            return PipelineCli.INVALID_INPUT;
        }
        OscalCatalog.Result catalog;
        try {
            List<String> upper = baselines.stream().map(b -> b.toUpperCase(Locale.ROOT)).toList();
            catalog = OscalCatalog.read(file, new OscalCatalog.Options(framework, upper, baseWeight, enhancementWeight));
        } catch (IOException | IllegalArgumentException e) {
            err.println(file + ": " + PipelineCli.describe(e));
            return PipelineCli.INVALID_INPUT;
        }
        catalog.skipped().forEach(s -> err.println("skipped " + s));
        if (catalog.controls().isEmpty()) {
            err.println(file + ": no controls found");
            return PipelineCli.INVALID_INPUT;
        }
        out.printf("%s %s: %d controls (%d base, %d enhancements) in %d families, %d withdrawn left out%n",
                catalog.title(), catalog.version(), catalog.controls().size(), catalog.controls().size() - catalog.enhancements(),
                catalog.enhancements(), catalog.families(), catalog.withdrawn());
        if (dryRun) return 0;

        Topic<String, ControlDefinition> topic = topicName == null ? Topics.CONTROLS
                : new Topic<>(topicName, Topics.CONTROLS.keySerde(), Topics.CONTROLS.valueSerde(), Topics.CONTROLS.partitions(),
                Topics.CONTROLS.config());
        Map<String, ControlDefinition> entries = new LinkedHashMap<>();
        for (ControlDefinition c : catalog.controls()) entries.put(Keys.control(framework, c.getControlId()), c);
        try (KafkaClients clients = kafka.clients(reference.root.env())) {
            var summary = ReferenceTopicWriter.write(clients, topic, entries, prune, key -> key.startsWith(framework + ":"));
            out.printf("wrote %d controls of %s to %s%s%n", summary.written(), framework, topic.name(),
                    prune ? ", removed " + summary.removed().size() + (summary.removed().isEmpty() ? "" : " " + summary.removed()) : "");
            return 0;
        } catch (Exception e) {
            err.println("Kafka: " + e);
            return PipelineCli.KAFKA_FAILED;
        }
    }
}
