package org.compliancepipeline.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped reference data (reference-data/), found from the working directory or {@code PIPELINE_ROOT}. */
final class ReferenceFiles {
    private ReferenceFiles() { }

    static final Path ROOT = root();
    static final Path ORGS = ROOT.resolve("reference-data/orgs/sample-orgs.json");
    static final Path NIST_MODERATE = ROOT.resolve("reference-data/oscal/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog-min.json");

    private static Path root() {
        String env = System.getenv("PIPELINE_ROOT");
        if (env != null && Files.isDirectory(Path.of(env, "reference-data"))) return Path.of(env);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("reference-data"))) return p;
        }
        return Path.of("");
    }
}
