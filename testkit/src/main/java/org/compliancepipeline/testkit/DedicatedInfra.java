package org.compliancepipeline.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Servers of a test's own, for fault tests that stop, kill or restart a server: they run from the
 * same installation as {@code bin/infra} but in a private home with free ports, so stopping them
 * never disturbs the shared servers other tests use.
 *
 * <pre>{@code
 * try (DedicatedInfra own = DedicatedInfra.launch(Component.KAFKA)) {
 *     var bootstrap = own.infra().kafkaBootstrapServers();
 *     own.kill(Component.KAFKA);     // kill -9
 *     own.start(Component.KAFKA);    // same data, same port
 * }
 * }</pre>
 */
public final class DedicatedInfra implements AutoCloseable {

    public enum Component {
        KAFKA, POSTGRES, REDIS, ELASTICSEARCH;

        String script() { return name().toLowerCase(Locale.ROOT); }
    }

    private final Path home;
    private final Map<String, String> env;
    private final Set<Component> components;

    private DedicatedInfra(Path home, Map<String, String> env, Set<Component> components) {
        this.home = home;
        this.env = env;
        this.components = components;
    }

    public static DedicatedInfra launch(Component first, Component... rest) {
        Set<Component> components = EnumSet.of(first, rest);
        try {
            Path home = Files.createTempDirectory("pipeline-dedicated-");
            home.toFile().setExecutable(true, false);
            home.toFile().setReadable(true, false);
            Map<String, String> env = new HashMap<>();
            env.put("PIPELINE_HOME", home.toString());
            env.put("KAFKA_PORT", String.valueOf(freePort()));
            env.put("KAFKA_CONTROLLER_PORT", String.valueOf(freePort()));
            env.put("POSTGRES_PORT", String.valueOf(freePort()));
            env.put("REDIS_PORT", String.valueOf(freePort()));
            env.put("ELASTICSEARCH_PORT", String.valueOf(freePort()));
            env.put("ELASTICSEARCH_TRANSPORT_PORT", String.valueOf(freePort()));
            DedicatedInfra d = new DedicatedInfra(home, env, components);
            d.infraCommand("up", components.stream().map(Component::script).toArray(String[]::new));
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Endpoints of these servers (only the started components answer). */
    public Infra infra() {
        Infra i = LocalInfra.read(home.resolve("endpoints.env"));
        return new Infra("dedicated", i.kafkaBootstrapServers(), i.postgresUrl(), i.postgresUser(), i.postgresPassword(),
                i.redisHost(), i.redisPort(), i.redisPassword(), i.elasticsearchUrl());
    }

    /** Starts (again) a component, with its data. */
    public void start(Component c) {
        infraCommand("up", c.script());
    }

    /** Stops a component gracefully. */
    public void stop(Component c) {
        infraCommand("down", c.script());
    }

    /** kill -9 of the component's server process. */
    public void kill(Component c) {
        try {
            Path pidFile = home.resolve(c.script()).resolve(c == Component.POSTGRES ? "data/postmaster.pid" : "pid");
            long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the PID of " + c, e);
        }
    }

    @Override
    public void close() {
        try {
            infraCommand("down", components.stream().map(Component::script).toArray(String[]::new));
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp dir left behind is not worth failing a test for
            }
        }
    }

    private void infraCommand(String command, String... args) {
        Path root = LocalInfra.root();
        var cmd = Stream.concat(Stream.of(root.resolve("bin/infra").toString(), command), Stream.of(args)).toList();
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                    .redirectOutput(home.resolve("infra-commands.log").toFile().exists()
                            ? ProcessBuilder.Redirect.appendTo(home.resolve("infra-commands.log").toFile())
                            : ProcessBuilder.Redirect.to(home.resolve("infra-commands.log").toFile()));
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish in 5 minutes");
            }
            if (p.exitValue() != 0) {
                String log = Files.readString(home.resolve("infra-commands.log"));
                throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n"
                        + log.lines().skip(Math.max(0, log.lines().count() - 30)).collect(Collectors.joining("\n")));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
