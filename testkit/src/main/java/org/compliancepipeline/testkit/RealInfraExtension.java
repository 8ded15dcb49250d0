package org.compliancepipeline.testkit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/** See {@link RealInfra}. */
public final class RealInfraExtension implements ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(RealInfraExtension.class);
    private static volatile Infra resolved;

    /** The endpoints, resolving them on first use. Also usable outside JUnit (benchmarks). */
    public static Infra infra() {
        if (resolved == null) {
            synchronized (RealInfraExtension.class) {
                if (resolved == null) {
                    resolved = resolve();
                    log.info("tests use {}", resolved);
                    System.out.println("[testkit] real servers: " + resolved);
                }
            }
        }
        return resolved;
    }

    private static Infra resolve() {
        String forced = System.getenv().getOrDefault("PIPELINE_TEST_INFRA", "auto").toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "local" -> {
                Infra running = LocalInfra.ifRunning();
                yield running != null ? running : LocalInfra.startAndGet();
            }
            case "testcontainers", "docker" -> {
                if (!Docker.available()) throw new IllegalStateException("PIPELINE_TEST_INFRA=" + forced + " but " + Docker.why());
                yield ContainerInfra.start();
            }
            case "auto" -> {
                Infra running = LocalInfra.ifRunning();
                if (running != null) yield running;
                yield Docker.available() ? ContainerInfra.start() : LocalInfra.startAndGet();
            }
            default -> throw new IllegalStateException("PIPELINE_TEST_INFRA must be local, testcontainers or auto; got " + forced);
        };
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Infra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        try {
            return infra();
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("real servers unavailable: " + e.getMessage(), e);
        }
    }
}
