package org.compliancepipeline.testkit;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/** See {@link RequiresTimescale}. */
public final class TimescaleExtension implements ExecutionCondition, ParameterResolver {
    public static final String IMAGE = "timescale/timescaledb:latest-pg17";
    private static volatile Timescale server;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (System.getenv("TIMESCALE_URL") != null) return ConditionEvaluationResult.enabled("TIMESCALE_URL is set");
        if (Docker.available()) return ConditionEvaluationResult.enabled("Docker answers: " + IMAGE + " via Testcontainers");
        String reason = "SKIPPED (TimescaleDB path): " + Docker.why()
                + "; TimescaleDB cannot be installed here without Docker. Set TIMESCALE_URL to run these tests against a server.";
        System.out.println("[testkit] " + context.getDisplayName() + ": " + reason);
        return ConditionEvaluationResult.disabled(reason);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Timescale.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        if (server == null) {
            synchronized (TimescaleExtension.class) {
                if (server == null) server = start();
            }
        }
        return server;
    }

    @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
    private static Timescale start() {
        String url = System.getenv("TIMESCALE_URL");
        if (url != null) {
            return new Timescale(url, System.getenv().getOrDefault("TIMESCALE_USER", "postgres"),
                    System.getenv().getOrDefault("TIMESCALE_PASSWORD", ""));
        }
        PostgreSQLContainer pg = new PostgreSQLContainer(DockerImageName.parse(IMAGE).asCompatibleSubstituteFor("postgres"))
                .withDatabaseName("compliance").withUsername("pipeline").withPassword("pipeline-test");
        pg.start();
        return new Timescale(pg.getJdbcUrl(), pg.getUsername(), pg.getPassword());
    }
}
