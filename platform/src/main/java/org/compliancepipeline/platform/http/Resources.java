package org.compliancepipeline.platform.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Static files the HTTP services serve. */
public final class Resources {
    private Resources() { }

    /**
     * The human-readable API documentation every HTTP service serves at {@code /docs}: one
     * self-contained page that renders the service's own {@code /openapi.json} (title included).
     */
    public static byte[] apiDocsPage() {
        return read(Resources.class, "docs.html");
    }

    /** A resource next to {@code owner}; a missing one is a packaging error and fails at start. */
    public static byte[] read(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException(name + " is missing from the classpath (next to " + owner.getName() + ")");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
