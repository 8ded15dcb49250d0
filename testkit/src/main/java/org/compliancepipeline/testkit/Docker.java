package org.compliancepipeline.testkit;

import org.testcontainers.DockerClientFactory;

import java.nio.file.Files;
import java.nio.file.Path;

/** Whether a Docker engine answers (not merely whether the docker CLI is installed). */
final class Docker {
    private Docker() { }

    private static volatile Boolean available;

    static boolean available() {
        if (available == null) {
            synchronized (Docker.class) {
                if (available == null) available = probe();
            }
        }
        return available;
    }

    private static boolean probe() {
        boolean socket = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".docker/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!socket) return false;
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    static String why() {
        return "no Docker engine answers on this machine (no DOCKER_HOST, no /var/run/docker.sock, or it did not respond)";
    }
}
