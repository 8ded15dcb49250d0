package org.compliancepipeline.platform.config;

/**
 * Where a service exposes /health, /ready and /metrics: {@code OPS_HOST} (default 127.0.0.1:
 * loopback unless an operator opens it) and {@code OPS_PORT}.
 */
public record OpsConfig(String host, int port) {
    public static OpsConfig fromEnv(Env env, int defaultPort) {
        return new OpsConfig(env.string("OPS_HOST", "127.0.0.1"), env.port("OPS_PORT", defaultPort));
    }
}
