package org.compliancepipeline.platform.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Secrets of API keys: how they are made and how they are hashed for storage. */
public final class ApiKeySecrets {
    private ApiKeySecrets() { }

    /** Every secret starts with this, so a leaked one is easy to recognise in a scan. */
    public static final String PREFIX = "cpk_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new secret: the prefix and 256 random bits, URL-safe. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Lower-case hex SHA-256. A fast hash is enough here: the secrets are 256 random bits, not
     * passwords, so there is nothing for a slow hash to protect against.
     */
    public static String sha256(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
