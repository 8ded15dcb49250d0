package org.compliancepipeline.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a module's code reads from the environment, found in its sources and in those of the project
 * modules it depends on at run time (compile or runtime scope, transitively), so a compose file is
 * checked against the code itself, not against a copy of its defaults.
 *
 * <p>Environment variables are read through {@code Env} ({@code env.string("HTTP_HOST", "127.0.0.1")},
 * {@code env.port("HTTP_PORT", 8080)}, {@code env.secret(...)}, {@code env.withPrefix("KAFKA_CLIENT_")}),
 * sometimes with the name passed on first ({@code named(env, "TOPIC_SCORES", ...)}); so every string
 * literal that looks like a variable name counts as read, and the typed reads give the defaults.
 *
 * @param modules     the module and the project modules it runs with
 * @param names       string literals shaped like environment variable names
 * @param secrets     variables read with {@code env.secret} (also accepted as {@code NAME_FILE})
 * @param prefixes    prefixes read with {@code env.withPrefix}
 * @param required    variables read with {@code env.required}
 * @param defaults    literal defaults of {@code env.string/port/integer} reads, unquoted
 * @param ports       variables read with {@code env.port}
 */
record ModuleCode(List<String> modules, Set<String> names, Set<String> secrets, Set<String> prefixes, Set<String> required,
                  Map<String, String> defaults, Set<String> ports) {

    private static final Pattern NAME_LITERAL = Pattern.compile("\"([A-Z][A-Z0-9_]{2,})\"");
    private static final Pattern SECRET = Pattern.compile("\\benv\\.secret\\(\\s*\"([A-Z0-9_]+)\"");
    private static final Pattern PREFIX = Pattern.compile("\\benv\\.withPrefix\\(\\s*\"([A-Z0-9_]+)\"");
    private static final Pattern REQUIRED = Pattern.compile("\\benv\\.required\\(\\s*\"([A-Z0-9_]+)\"");
    private static final Pattern TYPED = Pattern.compile(
            "\\benv\\.(string|port|integer)\\(\\s*\"([A-Z0-9_]+)\"\\s*,\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|\\d[\\d_]*)\\s*[,)]");
    /** {@code ServiceRuntime.start("name", env, 9401)}: the default ops port of a service's main class. */
    private static final Pattern OPS_DEFAULT = Pattern.compile("ServiceRuntime\\.start\\([^;]*?,\\s*(\\d+)\\s*\\)");
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

    /** Reads {@code module} and its run-time project dependencies under {@code root}. */
    static ModuleCode of(Path root, String module) {
        Map<String, String> moduleByArtifact = ReactorModules.read(root).byArtifactId();
        List<String> modules = new java.util.ArrayList<>();
        Deque<String> todo = new ArrayDeque<>(List.of(module));
        while (!todo.isEmpty()) {
            String m = todo.pop();
            if (modules.contains(m)) continue;
            modules.add(m);
            for (String artifact : runtimeProjectDependencies(root.resolve(m).resolve("pom.xml"))) {
                String dir = moduleByArtifact.get(artifact);
                if (dir != null) todo.add(dir);
            }
        }
        Set<String> names = new TreeSet<>();
        Set<String> secrets = new TreeSet<>();
        Set<String> prefixes = new TreeSet<>();
        Set<String> required = new TreeSet<>();
        Set<String> ports = new TreeSet<>();
        Map<String, String> defaults = new LinkedHashMap<>();
        for (String m : modules) {
            for (Path source : javaSources(root.resolve(m).resolve("src/main/java"))) {
                String code = withoutComments(read(source));
                collect(NAME_LITERAL, code, names);
                collect(SECRET, code, secrets);
                collect(PREFIX, code, prefixes);
                collect(REQUIRED, code, required);
                Matcher t = TYPED.matcher(code);
                while (t.find()) {
                    String literal = t.group(3);
                    defaults.putIfAbsent(t.group(2), literal.startsWith("\"") ? literal.substring(1, literal.length() - 1) : literal.replace("_", ""));
                    if (t.group(1).equals("port")) ports.add(t.group(2));
                }
                Matcher p = Pattern.compile("\\benv\\.port\\(\\s*\"([A-Z0-9_]+)\"").matcher(code);
                while (p.find()) ports.add(p.group(1));
            }
        }
        return new ModuleCode(List.copyOf(modules), names, secrets, prefixes, required, defaults, ports);
    }

    /** The default ops port the main class passes to {@code ServiceRuntime.start}; empty for a command (no ops endpoint). */
    static Optional<Integer> defaultOpsPort(Path mainSource) {
        Matcher m = OPS_DEFAULT.matcher(withoutComments(read(mainSource)));
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    /** Whether the code reads {@code variable}: by name, as the file form of a secret, or under a prefix. */
    boolean reads(String variable) {
        if (names.contains(variable)) return true;
        if (variable.endsWith("_FILE") && secrets.contains(variable.substring(0, variable.length() - "_FILE".length()))) return true;
        return prefixes.stream().anyMatch(p -> variable.startsWith(p) && variable.length() > p.length());
    }

    static Path mainSource(Path root, String module, String mainClass) {
        return root.resolve(module).resolve("src/main/java").resolve(mainClass.replace('.', '/') + ".java");
    }

    private static List<String> runtimeProjectDependencies(Path pom) {
        if (!Files.isRegularFile(pom)) return List.of();
        List<String> out = new java.util.ArrayList<>();
        Matcher d = DEPENDENCY.matcher(read(pom));
        while (d.find()) {
            String dep = d.group(1);
            String group = tag(dep, "groupId");
            String scope = Optional.ofNullable(tag(dep, "scope")).orElse("compile");
            if ("org.compliancepipeline".equals(group) && (scope.equals("compile") || scope.equals("runtime"))) {
                out.add(tag(dep, "artifactId"));
            }
        }
        return out;
    }

    static String tag(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">\\s*([^<]*?)\\s*</" + name + ">").matcher(xml);
        return m.find() ? m.group(1) : null;
    }

    /** Java source without its comments (javadoc examples are not code), string and char literals kept. */
    static String withoutComments(String code) {
        StringBuilder out = new StringBuilder(code.length());
        int i = 0, n = code.length();
        while (i < n) {
            char c = code.charAt(i);
            if (c == '/' && i + 1 < n && code.charAt(i + 1) == '/') {
                while (i < n && code.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && code.charAt(i + 1) == '*') {
                int end = code.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
                out.append(' ');
            } else if (c == '"' || c == '\'') {
                int start = i;
                boolean textBlock = code.startsWith("\"\"\"", i);
                i += textBlock ? 3 : 1;
                while (i < n) {
                    char d = code.charAt(i);
                    if (d == '\\') { i += 2; continue; }
                    if (textBlock ? code.startsWith("\"\"\"", i) : d == c) { i += textBlock ? 3 : 1; break; }
                    if (!textBlock && d == '\n') break;
                    i++;
                }
                out.append(code, start, Math.min(i, n));
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void collect(Pattern pattern, String code, Set<String> into) {
        Matcher m = pattern.matcher(code);
        while (m.find()) into.add(m.group(1));
    }

    private static List<Path> javaSources(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** The modules of the root pom: their directories and artifact ids. */
    record ReactorModules(Set<String> directories, Map<String, String> byArtifactId) {
        private static final Pattern MODULE = Pattern.compile("<module>\\s*([^<]+?)\\s*</module>");

        static ReactorModules read(Path root) {
            Set<String> dirs = new LinkedHashSet<>();
            Map<String, String> byArtifact = new LinkedHashMap<>();
            Matcher m = MODULE.matcher(ModuleCode.read(root.resolve("pom.xml")));
            while (m.find()) {
                String dir = m.group(1);
                dirs.add(dir);
                Path pom = root.resolve(dir).resolve("pom.xml");
                if (Files.isRegularFile(pom)) {
                    String text = ModuleCode.read(pom);
                    int afterParent = text.indexOf("</parent>");
                    String own = tag(afterParent < 0 ? text : text.substring(afterParent), "artifactId");
                    if (own != null) byArtifact.put(own, dir);
                }
            }
            return new ReactorModules(dirs, byArtifact);
        }
    }
}
