package org.compliancepipeline.platform.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Typed reads of environment variables. Each read returns a value (the default when unset) and
 * records a problem when the value is malformed, so one start-up reports every bad variable at
 * once: build the service's config record, then call {@link #validate()}.
 *
 * <pre>{@code
 * Env env = Env.system();
 * var config = new IngestConfig(env.string("HTTP_HOST", "127.0.0.1"), env.port("HTTP_PORT", 8080), ...);
 * env.validate();   // throws ConfigException naming e.g. "HTTP_PORT: must be an integer in 1..65535, got 'eighty'"
 * }</pre>
 */
public final class Env {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final Map<String, String> variables;
    private final List<String> problems = new ArrayList<>();

    public Env(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    public static Env system() {
        return new Env(System.getenv());
    }

    /** Throws a {@link ConfigException} listing every problem found so far. */
    public void validate() {
        if (!problems.isEmpty()) throw new ConfigException(problems);
    }

    public List<String> problems() {
        return List.copyOf(problems);
    }

    public Optional<String> optional(String name) {
        String v = variables.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public String string(String name, String defaultValue) {
        return optional(name).orElse(defaultValue);
    }

    public String required(String name, String what) {
        return optional(name).orElseGet(() -> {
            problems.add(name + ": is required (" + what + ")");
            return null;
        });
    }

    /**
     * A secret: same as {@link #string} but the value never appears in a problem message, and a
     * {@code NAME_FILE} variable (Docker/Kubernetes secret files) is honoured.
     */
    public Secret secret(String name, String defaultValue) {
        Optional<String> file = optional(name + "_FILE");
        if (file.isPresent()) {
            try {
                return new Secret(java.nio.file.Files.readString(java.nio.file.Path.of(file.get())).strip());
            } catch (java.io.IOException e) {
                problems.add(name + "_FILE: cannot read secret file " + file.get() + " (" + e.getClass().getSimpleName() + ")");
                return new Secret(defaultValue);
            }
        }
        return new Secret(optional(name).orElse(defaultValue));
    }

    public int integer(String name, int defaultValue, int min, int max) {
        return parse(name, defaultValue, "an integer in " + min + ".." + max, s -> {
            int v = Integer.parseInt(s);
            return v >= min && v <= max ? v : null;
        });
    }

    public long longValue(String name, long defaultValue, long min, long max) {
        return parse(name, defaultValue, "an integer in " + min + ".." + max, s -> {
            long v = Long.parseLong(s);
            return v >= min && v <= max ? v : null;
        });
    }

    public double decimal(String name, double defaultValue, double min, double max) {
        return parse(name, defaultValue, "a number in " + min + ".." + max, s -> {
            double v = Double.parseDouble(s);
            return Double.isFinite(v) && v >= min && v <= max ? v : null;
        });
    }

    public int port(String name, int defaultValue) {
        return integer(name, defaultValue, 0, 65535);
    }

    public boolean bool(String name, boolean defaultValue) {
        return parse(name, defaultValue, "true or false", s -> switch (s.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1", "on" -> true;
            case "false", "no", "0", "off" -> false;
            default -> null;
        });
    }

    /** {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 7d} or ISO-8601 ({@code PT30S}). */
    public Duration duration(String name, Duration defaultValue) {
        return parse(name, defaultValue, "a duration like 250ms, 30s, 5m, 2h, 7d or PT30S", s -> {
            Matcher m = DURATION.matcher(s);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(s);
            } catch (DateTimeParseException e) {
                return null;
            }
        });
    }

    public <E extends Enum<E>> E choice(String name, E defaultValue, Class<E> type) {
        return parse(name, defaultValue, "one of " + java.util.Arrays.toString(type.getEnumConstants()), s -> {
            for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(s.replace('-', '_'))) return e;
            return null;
        });
    }

    /** Every variable starting with {@code prefix}, with the prefix removed (for pass-through client settings). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new java.util.TreeMap<>();
        variables.forEach((k, v) -> { if (k.startsWith(prefix) && k.length() > prefix.length()) out.put(k.substring(prefix.length()), v); });
        return out;
    }

    private <T> T parse(String name, T defaultValue, String expected, Function<String, T> parser) {
        Optional<String> raw = optional(name);
        if (raw.isEmpty()) return defaultValue;
        T value;
        try {
            value = parser.apply(raw.get());
        } catch (RuntimeException e) {
            value = null;
        }
        if (value == null) {
            problems.add(name + ": must be " + expected + ", got '" + raw.get() + "'");
            return defaultValue;
        }
        return value;
    }
}
