package org.compliancepipeline.sink.cache;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The server-side scripts every update goes through (the Lua sources sit beside this class). Each is
 * loaded once per connection ({@code SCRIPT LOAD}) and called by its SHA-1 ({@code EVALSHA}); a
 * server that lost its script cache (a restart, {@code SCRIPT FLUSH}) answers NOSCRIPT, and the writer
 * loads the scripts again and resends.
 */
public enum CacheScript {
    /** Control status of one (org, framework): {@code status.lua}. */
    STATUS("status.lua"),
    /** Score hash of one (org, framework): {@code score.lua}. */
    SCORE("score.lua"),
    /** Leaderboard of one framework, its stream and channel: {@code leaderboard.lua}. */
    LEADERBOARD("leaderboard.lua");

    static final List<CacheScript> ALL = List.of(values());

    private final String source;
    private final String sha;

    CacheScript(String file) {
        try (InputStream in = CacheScript.class.getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException("script " + file + " missing from the classpath");
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sha = sha1(source);
    }

    public String source() {
        return source;
    }

    /** The SHA-1 Redis names the script by. */
    public String sha() {
        return sha;
    }

    private static String sha1(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
