package org.compliancepipeline.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository (and its reference-data/) is: the build passes it as {@code pipeline.root}. */
final class ReferenceData {
    private ReferenceData() { }

    static Path root() {
        String prop = System.getProperty("pipeline.root");
        Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        for (Path d = p.toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve("reference-data"))) return d;
        }
        throw new IllegalStateException("cannot find reference-data/ from " + p.toAbsolutePath());
    }
}
