package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import io.javalin.http.Context;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeyStore;
import org.compliancepipeline.platform.auth.BearerAuth;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The checks every write request passes before its records are looked at, cheapest first:
 * API key and scope, content type, declared size, then admission (request bodies held in memory
 * are bounded as a whole, so a burst of large requests gets 429s instead of exhausting the heap)
 * and reading the body within the size limit.
 */
public final class RequestGate {
    public static final Set<String> JSON_TYPES = Set.of("application/json");
    public static final Set<String> OSCAL_TYPES = Set.of("application/json", "application/oscal+json");
    public static final Set<String> NDJSON_TYPES = Set.of("application/x-ndjson", "application/ndjson", "application/jsonl");

    private final ApiKeyStore keys;
    private final long maxBodyBytes;
    private final Semaphore inflightKiB;
    private final Duration retryAfterBusy;

    public RequestGate(ApiKeyStore keys, long maxBodyBytes, long maxInflightBodyBytes, Duration retryAfterBusy) {
        this.keys = keys;
        this.maxBodyBytes = maxBodyBytes;
        this.inflightKiB = new Semaphore((int) Math.min(Integer.MAX_VALUE, maxInflightBodyBytes / 1024));
        this.retryAfterBusy = retryAfterBusy;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The caller's key, which must hold {@code scope}; 401/403 otherwise. The secret is never logged. */
    public ApiKey authenticate(Context ctx, String scope) {
        return BearerAuth.authenticate(keys, ctx.header("Authorization"), scope, "ingest-api");
    }

    /** 415 unless the body is one of {@code accepted} in UTF-8. */
    public void requireContentType(Context ctx, Set<String> accepted) {
        String header = ctx.header("Content-Type");
        String sorted = String.join(", ", accepted.stream().sorted().toList());
        if (header == null || header.isBlank()) {
            throw ApiError.of(415, "unsupported_media_type", "a Content-Type is required: " + sorted).with("accepted", accepted.stream().sorted().toList());
        }
        String[] parts = header.split(";");
        String type = parts[0].trim().toLowerCase(Locale.ROOT);
        if (!accepted.contains(type)) {
            throw ApiError.of(415, "unsupported_media_type", "Content-Type '" + parts[0].trim() + "' is not accepted here; use " + sorted)
                    .with("accepted", accepted.stream().sorted().toList());
        }
        Arrays.stream(parts).skip(1).map(String::trim).filter(p -> p.toLowerCase(Locale.ROOT).startsWith("charset=")).findFirst()
                .ifPresent(p -> {
                    String charset = p.substring("charset=".length()).replace("\"", "").trim();
                    if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                        throw ApiError.of(415, "unsupported_media_type", "only UTF-8 bodies are accepted, got charset " + charset);
                    }
                });
    }

    /** Reserved memory for one request's body; released on close. */
    public final class Admission implements AutoCloseable {
        private final int permits;

        private Admission(int permits) {
            this.permits = permits;
        }

        @Override
        public void close() {
            inflightKiB.release(permits);
        }
    }

    /**
     * Reserves memory for the body (its declared length, or the limit when it is chunked): 413
     * when the declared length exceeds the limit, 429 when the service holds too much already.
     */
    public Admission admit(Context ctx, long reserveWhenUnknown) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBodyBytes) throw tooLarge(declared);
        return reserve(declared >= 0 ? declared : reserveWhenUnknown);
    }

    /**
     * Reserves memory for a stream read a line at a time ({@code lineBytes}, the longest line), whatever
     * its length: a stream is never held whole, so its Content-Length is no reason to refuse it.
     */
    public Admission admitStream(long lineBytes) {
        return reserve(lineBytes);
    }

    private Admission reserve(long bytes) {
        int permits = (int) Math.max(1, (bytes + 1023) / 1024);
        try {
            if (!inflightKiB.tryAcquire(permits, 500, TimeUnit.MILLISECONDS)) {
                throw ApiError.of(429, "server_busy", "the service holds too many request bodies in memory; retry shortly")
                        .retryAfter(retryAfterBusy);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.of(503, "shutting_down", "the service is stopping").retryAfter(retryAfterBusy);
        }
        return new Admission(permits);
    }

    /** The whole body, at most the limit (413 beyond it, 400 when empty). */
    public byte[] readBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] buffer = new byte[(int) Math.min(Math.max(declared, 8192), maxBodyBytes + 1)];
            int length = 0;
            while (true) {
                if (length == buffer.length) {
                    if (length > maxBodyBytes) throw tooLarge(-1);
                    buffer = Arrays.copyOf(buffer, (int) Math.min((long) buffer.length * 2, maxBodyBytes + 1));
                }
                int n = in.read(buffer, length, buffer.length - length);
                if (n < 0) break;
                length += n;
                if (length > maxBodyBytes) throw tooLarge(-1);
            }
            if (length == 0) throw ApiError.of(400, "empty_body", "the request body is empty");
            return length == buffer.length ? buffer : Arrays.copyOf(buffer, length);
        } catch (IOException e) {
            throw ApiError.of(400, "body_unreadable", "the request body could not be read: " + e.getMessage());
        }
    }

    private ApiError tooLarge(long declared) {
        return ApiError.of(413, "body_too_large", "the request body is larger than the limit of " + maxBodyBytes + " bytes"
                        + (declared > 0 ? " (Content-Length " + declared + ")" : ""))
                .with("limitBytes", maxBodyBytes);
    }
}
