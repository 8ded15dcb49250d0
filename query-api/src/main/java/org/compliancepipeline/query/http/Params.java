package org.compliancepipeline.query.http;

import io.javalin.http.Context;
import org.compliancepipeline.platform.http.ApiError;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.Ids;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The parameters of one request, validated: every problem is a 400 naming the parameter and why
 * ({@code {"error":"invalid_parameter","parameter":"size","message":"size: must be an integer in 1..200, got 'x'"}}).
 * A query parameter the route does not know is refused too, so a typo never silently widens a query.
 */
public final class Params {
    private final Context ctx;

    private Params(Context ctx) {
        this.ctx = ctx;
    }

    /** The request's parameters; 400 when it sends a query parameter not in {@code known}. */
    public static Params of(Context ctx, Set<String> known) {
        for (String name : ctx.queryParamMap().keySet()) {
            if (!known.contains(name)) {
                throw invalid(name, "unknown parameter; this route accepts " + (known.isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(known))));
            }
        }
        return new Params(ctx);
    }

    public static ApiError invalid(String parameter, String reason) {
        return ApiError.of(400, "invalid_parameter", parameter + ": " + reason).with("parameter", parameter);
    }

    /** Path and query parameters as sent, for the audit trail. */
    public Map<String, String> all() {
        Map<String, String> m = new TreeMap<>(ctx.pathParamMap());
        ctx.queryParamMap().forEach((k, v) -> m.put(k, String.join(",", v)));
        return m;
    }

    /** A path segment that must be an id (org, framework). */
    public String pathId(String name) {
        String v = ctx.pathParam(name);
        if (!Ids.isId(v)) throw invalid(name, "must be 1-128 letters, digits and . _ ( ) -, starting with a letter or digit, got '" + clip(v) + "'");
        return v;
    }

    public String pathRecordId(String name) {
        String v = ctx.pathParam(name);
        if (!Ids.isRecordId(v)) throw invalid(name, "must be 1-128 letters, digits and . _ : ( ) -, got '" + clip(v) + "'");
        return v;
    }

    public String text(String name, int maxLength) {
        String v = single(name);
        if (v == null || v.isBlank()) return null;
        if (v.length() > maxLength) throw invalid(name, "must be at most " + maxLength + " characters, got " + v.length());
        return v.strip();
    }

    /** Repeated or comma-separated ids; empty when absent. */
    public List<String> ids(String name) {
        List<String> out = new ArrayList<>();
        for (String v : values(name)) {
            if (!Ids.isId(v)) throw invalid(name, "'" + clip(v) + "' is not a valid id (1-128 letters, digits and . _ ( ) -)");
            out.add(v);
        }
        return out;
    }

    /** Repeated or comma-separated statuses; empty when absent. */
    public List<String> statuses(String name) {
        List<String> out = new ArrayList<>();
        for (String v : values(name)) {
            String upper = v.toUpperCase(Locale.ROOT);
            try {
                ComplianceStatus.valueOf(upper);
            } catch (IllegalArgumentException e) {
                throw invalid(name, "'" + clip(v) + "' is not a status; use one of " + Arrays.toString(ComplianceStatus.values()));
            }
            out.add(upper);
        }
        return out;
    }

    /** Free-text values (e.g. source names), repeated or comma-separated. */
    public List<String> words(String name, int maxLength) {
        List<String> out = new ArrayList<>();
        for (String v : values(name)) {
            if (v.length() > maxLength) throw invalid(name, "each value must be at most " + maxLength + " characters");
            out.add(v);
        }
        return out;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        String v = single(name);
        if (v == null || v.isBlank()) return defaultValue;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) return n;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw invalid(name, "must be an integer in " + min + ".." + max + ", got '" + clip(v) + "'");
    }

    /** ISO-8601 instant ({@code 2026-11-25T08:00:00Z}), a date ({@code 2026-11-25}, midnight UTC) or epoch milliseconds. */
    public Instant instant(String name) {
        String v = single(name);
        if (v == null || v.isBlank()) return null;
        v = v.trim();
        try {
            if (v.matches("\\d{1,15}")) return Instant.ofEpochMilli(Long.parseLong(v));
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) return Instant.parse(v + "T00:00:00Z");
            return Instant.parse(v);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw invalid(name, "must be an ISO-8601 time like 2026-11-25T08:00:00Z, a date like 2026-11-25 or epoch milliseconds, got '" + clip(v) + "'");
        }
    }

    public <E extends Enum<E>> E choice(String name, E defaultValue, Class<E> type, Map<String, E> spelled) {
        String v = single(name);
        if (v == null || v.isBlank()) return defaultValue;
        E e = spelled.get(v.trim());
        if (e == null) throw invalid(name, "must be one of " + String.join(", ", spelled.keySet()) + ", got '" + clip(v) + "'");
        return e;
    }

    public String oneOf(String name, String defaultValue, List<String> allowed) {
        String v = single(name);
        if (v == null || v.isBlank()) return defaultValue;
        if (!allowed.contains(v.trim())) throw invalid(name, "must be one of " + String.join(", ", allowed) + ", got '" + clip(v) + "'");
        return v.trim();
    }

    public String raw(String name) {
        return single(name);
    }

    private String single(String name) {
        List<String> all = ctx.queryParams(name);
        if (all.size() > 1) throw invalid(name, "may be given once, got " + all.size() + " values");
        return all.isEmpty() ? null : all.getFirst();
    }

    private List<String> values(String name) {
        Set<String> out = new LinkedHashSet<>();
        for (String v : ctx.queryParams(name)) {
            for (String part : v.split(",")) {
                if (!part.isBlank()) out.add(part.trim());
            }
        }
        if (out.size() > 100) throw invalid(name, "at most 100 values");
        return List.copyOf(out);
    }

    private static String clip(String v) {
        return v.length() > 64 ? v.substring(0, 64) + "..." : v;
    }
}
