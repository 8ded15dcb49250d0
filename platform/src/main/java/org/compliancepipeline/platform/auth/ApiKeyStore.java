package org.compliancepipeline.platform.auth;

import org.compliancepipeline.platform.ops.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The API keys currently in force, re-read whenever the keys file changes: keys are added,
 * revoked or re-scoped by editing the file, without a restart. A changed file that does not parse
 * is refused with a log line naming its problems, and the previous keys stay in force (a typo must
 * not lock every producer out).
 */
public final class ApiKeyStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiKeyStore.class);

    private final Path file;
    private final ScheduledExecutorService watcher;
    private volatile ApiKeys keys;
    private volatile Object version;
    private volatile String lastError;

    private ApiKeyStore(Path file, Duration reloadInterval) {
        this.file = file;
        load();
        this.watcher = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("api-keys-watcher").factory());
        watcher.scheduleWithFixedDelay(this::reloadIfChanged, reloadInterval.toMillis(), reloadInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Loads the file and watches it.
     *
     * @throws ApiKeys.InvalidKeysFile when the file cannot be used at start
     */
    public static ApiKeyStore open(Path file, Duration reloadInterval) {
        return new ApiKeyStore(file, reloadInterval);
    }

    public sealed interface Authentication {
        record Valid(ApiKey key) implements Authentication { }
        record Unknown() implements Authentication { }
        record Revoked(String keyId) implements Authentication { }
    }

    public Authentication authenticate(String secret) {
        ApiKey key = keys.bySecret(secret);
        if (key == null) return new Authentication.Unknown();
        if (key.revoked()) return new Authentication.Revoked(key.id());
        return new Authentication.Valid(key);
    }

    public ApiKeys current() {
        return keys;
    }

    /** Re-reads the file if its size, time or inode changed. */
    public void reloadIfChanged() {
        try {
            if (!Objects.equals(stamp(), version)) load();
        } catch (RuntimeException e) {
            String message = e instanceof ApiKeys.InvalidKeysFile invalid ? String.join("; ", invalid.problems()) : e.toString();
            if (!message.equals(lastError)) {
                log.error("API keys file {} changed but cannot be used; the previous keys stay in force: {}", file, message);
            }
            lastError = message;
        }
    }

    private void load() {
        Object stamp = stamp();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API keys file " + file, e);
        }
        ApiKeys parsed = ApiKeys.parse(bytes);
        keys = parsed;
        version = stamp;
        lastError = null;
        log.info("API keys loaded from {}: {} keys ({} revoked)", file, parsed.all().size(),
                parsed.all().stream().filter(ApiKey::revoked).count());
    }

    private Object stamp() {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the API keys file " + file, e);
        }
    }

    /** True while a change of the file could not be applied. */
    public boolean reloadFailing() {
        return lastError != null;
    }

    /**
     * Always ready: a keys file broken by an edit leaves the previous keys in force, and taking
     * every instance out of the load balancer for it would turn a typo into an outage. The detail
     * says so, and {@code ingest_api_keys_reload_failing} alerts on it.
     */
    public HealthCheck healthCheck() {
        return () -> HealthCheck.Result.ready(lastError == null
                ? keys.all().size() + " keys from " + file
                : "keys file changed but is invalid, previous keys in force: " + lastError);
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
