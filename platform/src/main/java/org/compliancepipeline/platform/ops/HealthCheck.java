package org.compliancepipeline.platform.ops;

/**
 * One dependency's readiness, asked on every {@code /ready} request. Must be quick (it runs on the
 * request thread): report a state the service keeps up to date, not a fresh round trip when that
 * can block.
 */
@FunctionalInterface
public interface HealthCheck {

    Result check();

    record Result(boolean ready, String detail) {
        public static Result ready(String detail) { return new Result(true, detail); }
        public static Result notReady(String detail) { return new Result(false, detail); }
    }
}
