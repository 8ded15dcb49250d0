package org.compliancepipeline.testkit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The servers of {@code bin/infra}: read from {@code .local/endpoints.env}, started with
 * {@code bin/infra up} when any of them is not answering.
 */
final class LocalInfra {
    private static final Logger log = LoggerFactory.getLogger(LocalInfra.class);

    private LocalInfra() { }

    static Path root() {
        String prop = System.getProperty("pipeline.root");
        Path p = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath();
        for (Path d = p.toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isExecutable(d.resolve("bin/infra"))) return d;
        }
        throw new IllegalStateException("cannot find the repository root (bin/infra) from " + p.toAbsolutePath());
    }

    static Path home() {
        String env = System.getenv("PIPELINE_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : root().resolve(".local");
    }

    /** The running local infrastructure, or null when some part of it is not answering. */
    static Infra ifRunning() {
        Path file = home().resolve("endpoints.env");
        if (!Files.isReadable(file)) return null;
        Infra infra = read(file);
        return answering(infra) ? infra : null;
    }

    static Infra startAndGet() {
        Path root = root();
        log.info("starting the local infrastructure: {}/bin/infra up", root);
        try {
            Process p = new ProcessBuilder(root.resolve("bin/infra").toString(), "up")
                    .directory(root.toFile()).inheritIO().start();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroy();
                throw new IllegalStateException("bin/infra up did not finish in 10 minutes");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("bin/infra up failed (exit " + p.exitValue() + "); logs in " + home().resolve("logs"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run bin/infra up", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the infrastructure", e);
        }
        Infra infra = ifRunning();
        if (infra == null) throw new IllegalStateException("bin/infra up succeeded but the servers do not answer; see " + home().resolve("logs"));
        return infra;
    }

    static Infra read(Path file) {
        Map<String, String> v = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) continue;
                int eq = line.indexOf('=');
                if (eq > 0) v.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        URI redis = URI.create(v.getOrDefault("REDIS_URL", "redis://127.0.0.1:6379"));
        return new Infra("local",
                v.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
                v.getOrDefault("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/compliance"),
                v.getOrDefault("POSTGRES_USER", "pipeline"),
                v.get("POSTGRES_PASSWORD"),
                redis.getHost(), redis.getPort(), v.get("REDIS_PASSWORD"),
                v.getOrDefault("ELASTICSEARCH_URL", "http://127.0.0.1:9200"));
    }

    private static boolean answering(Infra infra) {
        String[] kafka = infra.kafkaBootstrapServers().split(",")[0].split(":");
        URI pg = URI.create(infra.postgresUrl().substring("jdbc:".length()));
        URI es = URI.create(infra.elasticsearchUrl());
        return List.of(
                new InetSocketAddress(kafka[0], Integer.parseInt(kafka[1])),
                new InetSocketAddress(pg.getHost(), pg.getPort()),
                new InetSocketAddress(infra.redisHost(), infra.redisPort()),
                new InetSocketAddress(es.getHost(), es.getPort())).stream().allMatch(LocalInfra::accepts);
    }

    private static boolean accepts(InetSocketAddress address) {
        try (Socket s = new Socket()) {
            s.connect(address, 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
