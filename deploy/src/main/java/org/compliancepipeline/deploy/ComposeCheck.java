package org.compliancepipeline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks {@code docker-compose.yml} offline, with no Docker engine:
 * <ol>
 *   <li>it is valid against the Compose Specification's JSON schema ({@code deploy/compose-spec/}), after
 *       interpolating the variables with the placeholder values of {@code .env.example}, which must name every
 *       variable the file uses without a default (and no other);</li>
 *   <li>each service built from the repository (build argument {@code MODULE}) uses a Dockerfile that exists (multi-stage,
 *       Java 21 or later in both stages, the runtime stage as a user other than root, with curl for the health checks), a
 *       module of the root pom whose artifact id is its directory and that writes its run-time class path,
 *       and a {@code MAIN_CLASS} that exists in that module;</li>
 *   <li>its environment sets only variables its code (the module and the project modules it runs with) or its
 *       Dockerfile or a script mounted into it reads, sets every required one, and binds every
 *       {@code *_HOST} that defaults to loopback to {@code 0.0.0.0};</li>
 *   <li>a service with an ops endpoint has a health check on {@code /health} or {@code /ready} of the ops port
 *       it really listens on ({@code OPS_PORT}, else the default its main class passes to
 *       {@code ServiceRuntime.start}), publishes only ports it listens on, depends on its dependencies'
 *       health, and is scraped by {@code monitoring/prometheus.yml} at {@code <service>:<ops port>} (which
 *       scrapes nothing else);</li>
 *   <li>every service of {@code infra/services.list} is in the file with the same module, main class and ops port;</li>
 *   <li>every published port is bound to 127.0.0.1, every file or folder of the repository mounted into a
 *       container exists, and every {@code depends_on} names a condition that the dependency can meet.</li>
 * </ol>
 * {@code java -cp ... org.compliancepipeline.deploy.ComposeCheck [repository root]} prints the problems and
 * exits 1 when there are any.
 */
public final class ComposeCheck {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHELL_VARIABLE = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)");
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1");

    /** The files the check reads; tests replace one with a broken copy. */
    public record Inputs(Path root, Path compose, Path envExample, Path servicesList, Path prometheus, Path schema) {
        public Inputs withPrometheus(Path file) {
            return new Inputs(root, compose, envExample, servicesList, file, schema);
        }

        public static Inputs of(Path root) {
            return new Inputs(root, root.resolve("docker-compose.yml"), root.resolve(".env.example"),
                    root.resolve("infra/services.list"), root.resolve("monitoring/prometheus.yml"),
                    root.resolve("deploy/compose-spec/compose-spec.json"));
        }

        public Inputs withCompose(Path file) {
            return new Inputs(root, file, envExample, servicesList, prometheus, schema);
        }

        public Inputs withEnvExample(Path file) {
            return new Inputs(root, compose, file, servicesList, prometheus, schema);
        }

        public Inputs withServicesList(Path file) {
            return new Inputs(root, compose, envExample, file, prometheus, schema);
        }
    }

    private final Inputs in;
    private final List<String> problems = new ArrayList<>();
    private final Set<Path> checkedDockerfiles = new LinkedHashSet<>();

    private ComposeCheck(Inputs in) {
        this.in = in;
    }

    public static void main(String[] args) {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        List<String> problems = check(Inputs.of(root));
        problems.forEach(p -> System.err.println("docker-compose check: " + p));
        if (!problems.isEmpty()) System.exit(1);
        System.out.println("docker-compose check: " + root.resolve("docker-compose.yml") + " is valid and consistent with the services");
    }

    /** What {@link #checkDockerfile} finds in one Dockerfile. */
    static List<String> dockerfileProblems(String name, String text, boolean healthCheckUsesCurl) {
        ComposeCheck c = new ComposeCheck(null);
        c.checkDockerfile(name, text, healthCheckUsesCurl);
        return List.copyOf(c.problems);
    }

    /** Every problem found; empty when the compose file is valid and consistent. */
    public static List<String> check(Inputs in) {
        ComposeCheck c = new ComposeCheck(in);
        c.run();
        return List.copyOf(c.problems);
    }

    private void run() {
        JsonNode raw;
        try {
            raw = YAML.readTree(in.compose().toFile());
        } catch (IOException e) {
            problems.add(in.compose().getFileName() + " is not valid YAML: " + e.getMessage());
            return;
        }
        if (raw == null || !raw.isObject()) {
            problems.add(in.compose().getFileName() + " is empty or not a mapping");
            return;
        }
        Interpolation interpolation = new Interpolation(envFile(in.envExample()));
        JsonNode compose = interpolation.apply(raw);
        interpolation.missing().forEach(v -> problems.add(
                "variable " + v + " is used without a default in docker-compose.yml but is not in .env.example"));
        Set<String> unused = new TreeSet<>(envFile(in.envExample()).keySet());
        unused.removeAll(interpolation.used());
        unused.forEach(v -> problems.add(".env.example sets " + v + ", which docker-compose.yml does not use"));

        validateSchema(compose);
        JsonNode services = compose.path("services");
        if (!services.isObject() || services.isEmpty()) {
            problems.add("docker-compose.yml has no services");
            return;
        }
        Map<String, Integer> opsPorts = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> s = it.next();
            checkPublishedOnLoopback(s.getKey(), s.getValue());
            checkBindMounts(s.getKey(), s.getValue());
            checkDependsOn(s.getKey(), s.getValue(), services);
            if (s.getValue().path("build").path("args").has("MODULE")) {
                checkProjectService(s.getKey(), s.getValue()).ifPresent(port -> opsPorts.put(s.getKey(), port));
            }
        }
        checkServicesList(services);
        checkPrometheus(opsPorts);
    }

    private void validateSchema(JsonNode compose) {
        Schema schema;
        try {
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
            // The schema's $id is relative (compose_spec.json): give it the file's URI as base.
            schema = registry.getSchema(SchemaLocation.of(in.schema().toUri().toString()), JSON.readTree(in.schema().toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Compose Specification schema " + in.schema(), e);
        }
        for (Error e : schema.validate(compose)) {
            problems.add("schema: " + e.getInstanceLocation() + ": " + e.getMessage());
        }
    }

    /** Returns the ops port of a long-running service (one whose main class starts an ops endpoint). */
    private Optional<Integer> checkProjectService(String name, JsonNode service) {
        String where = "services." + name;
        JsonNode build = service.path("build");
        Path context = in.root().resolve(build.path("context").asText("."));
        Path dockerfile = context.resolve(build.path("dockerfile").asText("Dockerfile"));
        if (!Files.isRegularFile(dockerfile)) {
            problems.add(where + ".build: Dockerfile " + in.root().relativize(dockerfile.normalize()) + " does not exist");
        } else if (checkedDockerfiles.add(dockerfile.normalize())) {
            checkDockerfile(in.root().relativize(dockerfile.normalize()).toString(), ModuleCode.read(dockerfile),
                    service.path("healthcheck").path("test").toString().contains("curl"));
        }
        String module = build.path("args").path("MODULE").asText();
        ModuleCode.ReactorModules reactor = ModuleCode.ReactorModules.read(in.root());
        if (!Files.isRegularFile(in.root().resolve(module).resolve("pom.xml"))) {
            problems.add(where + ".build.args.MODULE: module '" + module + "' does not exist (no " + module + "/pom.xml)");
            return Optional.empty();
        }
        if (!reactor.directories().contains(module)) {
            problems.add(where + ".build.args.MODULE: '" + module + "' is not a <module> of the root pom.xml");
        }
        if (!module.equals(reactor.byArtifactId().entrySet().stream().filter(e -> e.getValue().equals(module))
                .map(Map.Entry::getKey).findFirst().orElse(null))) {
            problems.add(where + ".build.args.MODULE: the artifact id of " + module + "/pom.xml must be '" + module
                    + "' (the Dockerfile copies " + module + "/target/" + module + "-*.jar)");
        }
        if (!ModuleCode.read(in.root().resolve(module).resolve("pom.xml")).contains("<id>runtime-classpath</id>")) {
            problems.add(where + ": " + module + "/pom.xml does not bind the runtime-classpath execution (the Dockerfile copies the "
                    + "jars its target/classpath.txt lists)");
        }
        String mainClass = build.path("args").path("MAIN_CLASS").asText("");
        Path mainSource = ModuleCode.mainSource(in.root(), module, mainClass);
        if (mainClass.isEmpty() || !Files.isRegularFile(mainSource)) {
            problems.add(where + ".build.args.MAIN_CLASS: '" + mainClass + "' is not a class of " + module + " (no "
                    + in.root().relativize(mainSource) + ")");
            return Optional.empty();
        }

        ModuleCode code = ModuleCode.of(in.root(), module);
        Map<String, String> env = environment(service);
        Set<String> alsoRead = new LinkedHashSet<>();
        if (Files.isRegularFile(dockerfile)) alsoRead.addAll(shellVariables(ModuleCode.read(dockerfile)));
        for (Path script : mountedFiles(service)) alsoRead.addAll(shellVariables(ModuleCode.read(script)));
        for (String variable : env.keySet()) {
            if (!code.reads(variable) && !alsoRead.contains(variable)) {
                problems.add(where + ".environment." + variable + ": nothing reads it (not in the code of "
                        + String.join(", ", code.modules()) + ", nor in its Dockerfile or mounted scripts)");
            }
        }
        for (String variable : code.required()) {
            if (!env.containsKey(variable)) problems.add(where + ".environment: " + variable + " is required by " + module + " but not set");
        }
        Optional<Integer> defaultOps = ModuleCode.defaultOpsPort(mainSource);
        if (defaultOps.isPresent()) {
            // A server (not a one-shot command): whatever it listens on must be reachable from outside the container.
            code.defaults().forEach((variable, defaultValue) -> {
                if (variable.endsWith("_HOST") && LOOPBACK.contains(defaultValue) && !"0.0.0.0".equals(env.get(variable))) {
                    problems.add(where + ".environment." + variable + ": must be 0.0.0.0 in a container (the code's default, "
                            + defaultValue + ", is unreachable from other containers and published ports)");
                }
            });
        }
        Set<Integer> listening = new TreeSet<>();
        for (String portVariable : code.ports()) {
            if (portVariable.equals("OPS_PORT")) continue;
            String value = env.getOrDefault(portVariable, code.defaults().get(portVariable));
            if (value != null && value.matches("\\d+")) listening.add(Integer.parseInt(value));
        }
        Optional<Integer> ops = defaultOps.map(d -> {
            String configured = env.get("OPS_PORT");
            return configured != null && configured.matches("\\d+") ? Integer.parseInt(configured) : d;
        });
        ops.ifPresent(listening::add);
        if (ops.isPresent()) {
            checkHealthcheck(where, service, ops.get());
            boolean waitsForHealth = false;
            for (Iterator<Map.Entry<String, JsonNode>> it = service.path("depends_on").fields(); it.hasNext(); ) {
                if ("service_healthy".equals(it.next().getValue().path("condition").asText())) waitsForHealth = true;
            }
            if (!waitsForHealth) problems.add(where + ".depends_on: must wait for its dependencies with condition: service_healthy");
        }
        for (JsonNode port : service.path("ports")) {
            Integer target = containerPort(port);
            if (target != null && !listening.contains(target)) {
                problems.add(where + ".ports: publishes container port " + target + ", but " + name + " listens on " + listening
                        + " (its code's defaults and environment)");
            }
        }
        return ops;
    }

    /**
     * A service image: multi-stage (build, then run), both stages on Java 21 or later (the image names, or the
     * defaults of the ARGs they come from), the last stage runs as a user other than root and has curl when the
     * health checks use it.
     */
    void checkDockerfile(String name, String text, boolean healthCheckUsesCurl) {
        Map<String, String> argDefaults = new LinkedHashMap<>();
        Matcher arg = Pattern.compile("(?m)^ARG\\s+([A-Za-z_][A-Za-z0-9_]*)=(\\S+)").matcher(text);
        while (arg.find()) argDefaults.putIfAbsent(arg.group(1), arg.group(2));
        List<String> images = new ArrayList<>();
        List<Integer> stageStarts = new ArrayList<>();
        Matcher from = Pattern.compile("(?mi)^FROM\\s+(\\S+)").matcher(text);
        while (from.find()) {
            String image = from.group(1);
            Matcher ref = Pattern.compile("^\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?$").matcher(image);
            images.add(ref.matches() ? argDefaults.getOrDefault(ref.group(1), image) : image);
            stageStarts.add(from.start());
        }
        if (images.size() < 2) {
            problems.add(name + ": must be multi-stage (a build stage, then a runtime stage), has " + images.size() + " FROM");
            return;
        }
        for (String image : List.of(images.getFirst(), images.getLast())) {
            Matcher java = Pattern.compile("(?:temurin|openjdk|jdk|jre|java)[-:_]?(\\d+)").matcher(image);
            if (!java.find() || Integer.parseInt(java.group(1)) < 21) {
                problems.add(name + ": image " + image + " is not Java 21 or later (the project's release is 21)");
            }
        }
        String last = text.substring(stageStarts.getLast());
        Matcher user = Pattern.compile("(?m)^USER\\s+(\\S+)").matcher(last);
        String runAs = null;
        while (user.find()) runAs = user.group(1);
        if (runAs == null || runAs.matches("(root|0)(:.*)?")) {
            problems.add(name + ": the runtime stage must switch to a user other than root (USER), got " + (runAs == null ? "none" : runAs));
        }
        if (healthCheckUsesCurl && !Pattern.compile("(apt-get|apk|microdnf|dnf|yum)\\b[^\\n]*\\b(install|add)\\b[^\\n]*\\bcurl\\b").matcher(last).find()) {
            problems.add(name + ": the health checks run curl, which the runtime stage does not install");
        }
    }

    private void checkHealthcheck(String where, JsonNode service, int opsPort) {
        JsonNode test = service.path("healthcheck").path("test");
        if (test.isMissingNode() || service.path("healthcheck").path("disable").asBoolean(false)) {
            problems.add(where + ".healthcheck: missing; it must GET /health or /ready on the ops port " + opsPort);
            return;
        }
        StringBuilder command = new StringBuilder();
        if (test.isArray()) test.forEach(t -> command.append(t.asText()).append(' '));
        else command.append(test.asText());
        Matcher url = Pattern.compile("https?://(?:127\\.0\\.0\\.1|localhost):(\\d+)(/[A-Za-z]*)").matcher(command);
        if (!url.find()) {
            problems.add(where + ".healthcheck.test: must GET http://127.0.0.1:" + opsPort + "/ready (or /health), got '" + command.toString().trim() + "'");
        } else if (Integer.parseInt(url.group(1)) != opsPort || !Set.of("/health", "/ready").contains(url.group(2))) {
            problems.add(where + ".healthcheck.test: checks port " + url.group(1) + " path " + url.group(2) + ", but the service's ops endpoint is "
                    + opsPort + " with /health and /ready");
        }
    }

    private void checkPublishedOnLoopback(String name, JsonNode service) {
        for (JsonNode port : service.path("ports")) {
            String hostIp;
            if (port.isObject()) {
                hostIp = port.path("host_ip").asText("");
            } else {
                // short syntax: [HOST_IP:]HOST_PORT:CONTAINER_PORT[/PROTOCOL]; without HOST_IP it binds every interface
                String spec = port.asText();
                String[] parts = spec.split(":");
                hostIp = parts.length == 3 ? parts[0] : "";
            }
            if (!"127.0.0.1".equals(hostIp)) {
                problems.add("services." + name + ".ports: " + port + " must be published on 127.0.0.1 only (host_ip: 127.0.0.1)");
            }
        }
    }

    /** Files and folders of the repository mounted into a container must exist (compose would create an empty folder). */
    private void checkBindMounts(String name, JsonNode service) {
        for (JsonNode v : service.path("volumes")) {
            String source = v.isObject() ? v.path("source").asText("") : v.asText().split(":")[0];
            if ((source.startsWith("./") || source.startsWith("../")) && !Files.exists(in.root().resolve(source).normalize())) {
                problems.add("services." + name + ".volumes: " + source + " does not exist in the repository");
            }
        }
    }

    private void checkDependsOn(String name, JsonNode service, JsonNode services) {
        JsonNode dependsOn = service.path("depends_on");
        if (dependsOn.isMissingNode()) return;
        if (!dependsOn.isObject()) {
            problems.add("services." + name + ".depends_on: use the long form with a condition for each dependency");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = dependsOn.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> d = it.next();
            JsonNode target = services.path(d.getKey());
            String condition = d.getValue().path("condition").asText("");
            if (target.isMissingNode()) {
                problems.add("services." + name + ".depends_on." + d.getKey() + ": no such service");
            } else if (condition.equals("service_healthy") && target.path("healthcheck").path("test").isMissingNode()) {
                problems.add("services." + name + ".depends_on." + d.getKey() + ": service_healthy, but " + d.getKey() + " has no health check");
            } else if (!Set.of("service_healthy", "service_completed_successfully").contains(condition)) {
                problems.add("services." + name + ".depends_on." + d.getKey() + ": condition must be service_healthy (or "
                        + "service_completed_successfully for a one-shot), got '" + condition + "'");
            }
        }
    }

    private void checkServicesList(JsonNode services) {
        for (String line : lines(in.servicesList())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                problems.add("infra/services.list: cannot read the line '" + line + "' (name module main-class ops-port)");
                continue;
            }
            String name = f[0], module = f[1], main = f[2], port = f[3];
            JsonNode service = services.path(name);
            if (service.isMissingNode()) {
                problems.add("infra/services.list names " + name + ", which is not a service of docker-compose.yml");
                continue;
            }
            JsonNode args = service.path("build").path("args");
            if (!module.equals(args.path("MODULE").asText()) || !main.equals(args.path("MAIN_CLASS").asText())) {
                problems.add("services." + name + ".build.args: MODULE/MAIN_CLASS must be " + module + "/" + main + " as in infra/services.list");
            }
            Path source = ModuleCode.mainSource(in.root(), module, main);
            if (Files.isRegularFile(source)) {
                ModuleCode.defaultOpsPort(source).filter(p -> !String.valueOf(p).equals(port)).ifPresent(p -> problems.add(
                        "infra/services.list gives " + name + " the ops port " + port + ", but its main class defaults to " + p));
            }
        }
    }

    private void checkPrometheus(Map<String, Integer> opsPorts) {
        JsonNode config;
        try {
            config = YAML.readTree(in.prometheus().toFile());
        } catch (IOException e) {
            problems.add("monitoring/prometheus.yml: " + e.getMessage());
            return;
        }
        Map<String, Set<String>> targets = new LinkedHashMap<>();
        for (JsonNode job : config.path("scrape_configs")) {
            Set<String> t = targets.computeIfAbsent(job.path("job_name").asText(), k -> new TreeSet<>());
            for (JsonNode sc : job.path("static_configs")) sc.path("targets").forEach(x -> t.add(x.asText()));
        }
        targets.forEach((job, hosts) -> hosts.forEach(target -> {
            String host = target.replaceAll(":\\d+$", "");
            if (!opsPorts.containsKey(host) || !target.equals(host + ":" + opsPorts.get(host))) {
                problems.add("monitoring/prometheus.yml: job '" + job + "' scrapes " + target
                        + ", which is not the ops endpoint of a compose service (" + opsPorts + ")");
            }
        }));
        opsPorts.forEach((service, port) -> {
            String expected = service + ":" + port;
            if (!targets.getOrDefault(service, Set.of()).contains(expected)) {
                problems.add("monitoring/prometheus.yml: no scrape job '" + service + "' with target " + expected
                        + " (the ops endpoint of the compose service " + service + ")");
            }
        });
    }

    /** The service's environment after interpolation, from the mapping or the list form. */
    private static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode e = service.path("environment");
        if (e.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> v = it.next();
                env.put(v.getKey(), v.getValue().isNull() ? null : v.getValue().asText());
            }
        } else if (e.isArray()) {
            for (JsonNode item : e) {
                String s = item.asText();
                int eq = s.indexOf('=');
                env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? null : s.substring(eq + 1));
            }
        }
        return env;
    }

    /** Regular files of the repository bind-mounted into the service (scripts it runs). */
    private List<Path> mountedFiles(JsonNode service) {
        List<Path> files = new ArrayList<>();
        for (JsonNode v : service.path("volumes")) {
            String source = v.isObject() ? v.path("source").asText("") : v.asText().split(":")[0];
            if (source.startsWith("./") || source.startsWith("../")) {
                Path p = in.root().resolve(source).normalize();
                if (Files.isRegularFile(p)) files.add(p);
            }
        }
        return files;
    }

    private static Integer containerPort(JsonNode port) {
        String target;
        if (port.isObject()) {
            target = port.path("target").asText("");
        } else {
            String[] parts = port.asText().split(":");
            target = parts[parts.length - 1].replaceAll("/.*", "");
        }
        return target.matches("\\d+") ? Integer.valueOf(target) : null;
    }

    private static Set<String> shellVariables(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = SHELL_VARIABLE.matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** NAME=value lines of an env file (comments and blank lines skipped). */
    static Map<String, String> envFile(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
        }
        return values;
    }

    private static List<String> lines(Path file) {
        return ModuleCode.read(file).lines().filter(l -> !l.isBlank() && !l.trim().startsWith("#")).toList();
    }
}
