package org.compliancepipeline.platform.auth;

import org.compliancepipeline.platform.http.ApiError;

/**
 * The HTTP services' authentication: an {@code Authorization: Bearer <key>} header checked against
 * the key store and a required scope. 401 (with {@code WWW-Authenticate} for {@code realm}) when
 * the key is missing, malformed, unknown or revoked; 403 when it lacks the scope. The secret is
 * never logged nor put in an error.
 */
public final class BearerAuth {
    private BearerAuth() { }

    public static ApiKey authenticate(ApiKeyStore keys, String authorization, String scope, String realm) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized(realm, "missing_api_key", "an API key is required: send 'Authorization: Bearer <key>'");
        }
        int space = authorization.indexOf(' ');
        if (space < 0 || !authorization.substring(0, space).equalsIgnoreCase("Bearer") || authorization.substring(space + 1).isBlank()) {
            throw unauthorized(realm, "missing_api_key", "the Authorization header must be 'Bearer <key>'");
        }
        return switch (keys.authenticate(authorization.substring(space + 1).trim())) {
            case ApiKeyStore.Authentication.Valid v -> {
                if (!v.key().hasScope(scope)) {
                    throw ApiError.of(403, "insufficient_scope", "API key '" + v.key().id() + "' lacks scope '" + scope + "'")
                            .with("requiredScope", scope);
                }
                yield v.key();
            }
            case ApiKeyStore.Authentication.Revoked r -> throw unauthorized(realm, "revoked_api_key", "this API key has been revoked");
            case ApiKeyStore.Authentication.Unknown u -> throw unauthorized(realm, "invalid_api_key", "unknown API key");
        };
    }

    private static ApiError unauthorized(String realm, String code, String message) {
        return ApiError.of(401, code, message).with("wwwAuthenticate", "Bearer realm=\"" + realm + "\"");
    }
}
