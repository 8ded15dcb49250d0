package org.compliancepipeline.sink.cache;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import org.compliancepipeline.sink.runtime.FailureKind;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Whose fault a failed Redis write is. The server's, the network's or the operator's (retry, with the
 * consumer paused): connection refused, reset or closed, timeouts, {@code LOADING} (restarting),
 * {@code BUSY} (a long script), {@code READONLY}/{@code MASTERDOWN}/{@code TRYAGAIN}/{@code CLUSTERDOWN}
 * (failover), {@code OOM} (maxmemory), {@code MISCONF} (persistence failing), {@code NOAUTH}/{@code WRONGPASS}/
 * {@code NOPERM} (credentials), {@code NOSCRIPT} left after a reload, and anything not known to be the
 * data's. The record's (poison, dead-lettered): {@code WRONGTYPE} (the key a record maps to holds another
 * type), values Redis refuses ({@code not a valid float}, {@code not an integer}, {@code invalid expire time}),
 * script errors, and records the writer refuses before sending (bad ids, non-finite numbers).
 * An unknown server error is retried rather than dead-lettered: a sink that stalls and turns not-ready is
 * noticed; a dead-letter topic silently filling with every record is worse.
 */
final class RedisFailures {
    private RedisFailures() { }

    private static final List<String> DATA_ERRORS = List.of(
            "WRONGTYPE", "ERR value is not a valid float", "ERR value is not an integer", "ERR invalid expire time",
            "ERR user_script", "ERR Error running script");

    static FailureKind classify(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof IllegalArgumentException || e instanceof ClassCastException) return FailureKind.POISON;
        if (e instanceof RedisNoScriptException) return FailureKind.RETRYABLE;
        if (e instanceof RedisCommandExecutionException && isDataError(e.getMessage())) return FailureKind.POISON;
        return FailureKind.RETRYABLE;
    }

    static boolean isDataError(String message) {
        return message != null && DATA_ERRORS.stream().anyMatch(message::startsWith);
    }

    static boolean isNoScript(Throwable error) {
        Throwable e = unwrap(error);
        return e instanceof RedisNoScriptException
                || (e instanceof RedisCommandExecutionException && e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT"));
    }

    /** An error reply from a working server, as opposed to a broken connection or a timeout. */
    static boolean isServerReply(Throwable error) {
        return unwrap(error) instanceof RedisCommandExecutionException;
    }

    static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null) e = e.getCause();
        return e;
    }
}
