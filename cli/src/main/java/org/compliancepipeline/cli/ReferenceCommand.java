package org.compliancepipeline.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code pipeline reference ...}: the control catalog and the organisation registry. */
@Command(name = "reference", mixinStandardHelpOptions = true,
        description = "Loads reference data (control catalogs, organisations) into their compacted topics.",
        subcommands = {LoadCatalogCommand.class, LoadOrgsCommand.class})
final class ReferenceCommand {
    @ParentCommand
    PipelineCli root;
}
