package org.compliancepipeline.query.http;

import io.javalin.http.Context;
import org.compliancepipeline.platform.http.ApiError;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The analyst console: static files served from the classpath ({@code console/}), built by the
 * module's build (the chart library is vendored from npm into the same folder). The page calls
 * the /v1 API with the analyst's key like any client.
 */
final class Console {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml", "json", "application/json");

    private Console() { }

    static void serve(Context ctx, String file) throws IOException {
        if (!file.matches("[a-z0-9][a-z0-9.-]{0,80}") || file.contains("..")) {
            QueryServer.respond(ctx, ApiError.of(404, "not_found", "no such console file"));
            return;
        }
        String ext = file.substring(file.lastIndexOf('.') + 1);
        String type = TYPES.get(ext);
        try (InputStream in = Console.class.getResourceAsStream("/org/compliancepipeline/query/console/" + file)) {
            if (in == null || type == null) {
                QueryServer.respond(ctx, ApiError.of(404, "not_found", "no console file '" + file + "'"));
                return;
            }
            ctx.contentType(type);
            ctx.header("Cache-Control", "no-cache");
            ctx.header("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'");
            ctx.result(in.readAllBytes());
        }
    }
}
