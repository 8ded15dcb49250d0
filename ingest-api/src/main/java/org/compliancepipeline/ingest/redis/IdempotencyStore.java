package org.compliancepipeline.ingest.redis;

import org.compliancepipeline.platform.redis.RedisGateway;

import io.lettuce.core.RedisException;
import io.lettuce.core.SetArgs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * First answers of requests carrying an {@code Idempotency-Key}, so a retry gets the same answer
 * without producing again. Entries are keyed by API key id and the Idempotency-Key, and remember
 * a hash of the request (route and body): the same key with a different request is refused.
 *
 * <p>A request first claims its entry ({@code SET NX} of a pending marker with a short TTL, so a
 * crashed instance never blocks the key for long); a concurrent duplicate sees the marker and is
 * told to retry. The final answer replaces the marker, gzip-compressed, for the configured TTL.
 * Answers that a retry should not see again (429, 5xx) are not kept: the entry is deleted, and the
 * retry really is retried.
 */
public final class IdempotencyStore {
    private static final Logger log = LoggerFactory.getLogger(IdempotencyStore.class);
    private static final byte PENDING = 'P';
    private static final byte DONE = 'D';

    private final RedisGateway redis;
    private final Duration ttl;
    private final Duration pendingTtl;

    public IdempotencyStore(RedisGateway redis, Duration ttl, Duration pendingTtl) {
        this.redis = redis;
        this.ttl = ttl;
        this.pendingTtl = pendingTtl;
    }

    public sealed interface Claim {
        /** First time: process the request, then {@link #complete} or {@link #release}. */
        record Granted(String entry, byte[] requestHash) implements Claim { }
        /** Answered before: send this again. */
        record Replay(int status, byte[] body) implements Claim { }
        /** The key was used for a different request. */
        record Mismatch() implements Claim { }
        /** The first request with this key is still being processed. */
        record InProgress() implements Claim { }
    }

    /**
     * @throws RedisGateway.RedisUnavailable when Redis cannot be asked: the caller must not
     *         process the request (it could not keep the promise)
     */
    public Claim claim(String apiKeyId, String idempotencyKey, String route, byte[] body) {
        String entry = "ingest:idempotency:{" + apiKeyId + "}:" + sha256Hex(idempotencyKey.getBytes(StandardCharsets.UTF_8));
        byte[] requestHash = requestHash(route, body);
        try {
            var commands = redis.connection().sync();
            byte[] pending = ByteBuffer.allocate(33).put(PENDING).put(requestHash).array();
            for (int attempt = 0; attempt < 2; attempt++) {
                if ("OK".equals(commands.set(entry, pending, SetArgs.Builder.nx().px(pendingTtl.toMillis())))) {
                    return new Claim.Granted(entry, requestHash);
                }
                byte[] existing = commands.get(entry);
                if (existing == null) continue; // expired between SET and GET: claim again
                if (existing.length < 33) return new Claim.Mismatch();
                if (!Arrays.equals(existing, 1, 33, requestHash, 0, 32)) return new Claim.Mismatch();
                if (existing[0] == PENDING) return new Claim.InProgress();
                int status = ((existing[33] & 0xFF) << 8) | (existing[34] & 0xFF);
                return new Claim.Replay(status, gunzip(existing, 35));
            }
            return new Claim.InProgress();
        } catch (RedisException e) {
            throw new RedisGateway.RedisUnavailable("idempotency keys are kept in Redis, which is not reachable: " + e.getMessage(), e);
        }
    }

    /**
     * Keeps the answer for retries. When Redis fails here the records are in Kafka already and the
     * answer still goes out; the claim is dropped, so only a later retry would produce again.
     *
     * @return false when the answer could not be kept
     */
    public boolean complete(Claim.Granted claim, int status, byte[] body) {
        byte[] zipped = gzip(body);
        byte[] value = ByteBuffer.allocate(35 + zipped.length).put(DONE).put(claim.requestHash())
                .putShort((short) status).put(zipped).array();
        try {
            redis.connection().sync().set(claim.entry(), value, SetArgs.Builder.px(ttl.toMillis()));
            return true;
        } catch (RuntimeException e) {
            log.warn("answer for an Idempotency-Key not kept (Redis: {}); a retry would be processed again", e.toString());
            release(claim);
            return false;
        }
    }

    /** Forgets the claim: a retry with the same key is processed anew. */
    public void release(Claim.Granted claim) {
        try {
            redis.connection().sync().del(claim.entry());
        } catch (RuntimeException ignored) {
            // the pending marker expires by itself after its short TTL
        }
    }

    private static byte[] requestHash(String route, byte[] body) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(route.getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
            d.update(body);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, bytes.length / 4));
        try (GZIPOutputStream z = new GZIPOutputStream(out)) {
            z.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] gunzip(byte[] bytes, int offset) {
        try (GZIPInputStream z = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes, offset, bytes.length - offset))) {
            return z.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
