package org.compliancepipeline.platform.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request answered with an error, as a value: status, a stable machine-readable code, a message
 * a person can act on, and optional details (line and column, limits) and Retry-After.
 * Thrown by any step of a request and written by one handler in the {@code ApiErrorBody} format.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> details;
    private final Duration retryAfter;

    private ApiError(int status, String code, String message, Map<String, Object> details, Duration retryAfter) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.details = details;
        this.retryAfter = retryAfter;
    }

    public static ApiError of(int status, String code, String message) {
        return new ApiError(status, code, message, Map.of(), null);
    }

    public ApiError with(String detail, Object value) {
        Map<String, Object> d = new LinkedHashMap<>(details);
        d.put(detail, value);
        return new ApiError(status, code, getMessage(), d, retryAfter);
    }

    public ApiError retryAfter(Duration after) {
        return new ApiError(status, code, getMessage(), details, after);
    }

    public int status() { return status; }

    public String code() { return code; }

    public Map<String, Object> details() { return details; }

    /** null when the client should not retry the same request. */
    public Duration retryAfter() { return retryAfter; }

    /** Whole seconds for the Retry-After header, at least 1. */
    public static long retryAfterSeconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }
}
