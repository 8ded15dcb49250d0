package org.compliancepipeline.ingest.auth;

import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeys;
import org.compliancepipeline.platform.auth.ApiKeySecrets;
import org.compliancepipeline.platform.auth.ApiKeyStore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiKeysTest {

    @Test
    void aKeyIsFoundByItsSecretAndKnowsItsOrgsAndScopes() {
        String secret = ApiKeySecrets.newSecret();
        String json = """
                {"keys": [{"id": "acme-scanner", "sha256": "%s", "orgs": ["acme"], "scopes": ["records:write"],
                           "rateLimit": {"perSecond": 100, "burst": 500}, "description": "scanner 7"}]}""".formatted(ApiKeySecrets.sha256(secret));
        ApiKeys keys = ApiKeys.parse(json.getBytes(StandardCharsets.UTF_8));
        ApiKey key = keys.bySecret(secret);
        assertThat(key.id()).isEqualTo("acme-scanner");
        assertThat(key.mayWrite("acme")).isTrue();
        assertThat(key.mayWrite("globex")).isFalse();
        assertThat(key.hasScope(ApiKey.RECORDS_WRITE)).isTrue();
        assertThat(key.hasScope(ApiKey.OSCAL_WRITE)).isFalse();
        assertThat(key.rateLimit()).isEqualTo(new ApiKey.RateLimit(100, 500));
        assertThat(keys.bySecret(secret + "x")).isNull();
        assertThat(key.toString()).doesNotContain(key.sha256());
    }

    @Test
    void secretsAreLongRandomAndRecognisable() {
        String a = ApiKeySecrets.newSecret();
        assertThat(a).startsWith("cpk_").hasSize(4 + 43).isNotEqualTo(ApiKeySecrets.newSecret());
        assertThat(ApiKeySecrets.sha256(a)).matches("[0-9a-f]{64}");
    }

    @Test
    void everyProblemOfAKeysFileIsNamed() {
        String json = """
                {"keys": [{"id": "a b", "sha256": "nothex", "orgs": [], "scopes": ["records:delete"], "colour": "red"},
                          {"id": "ok", "sha256": "%s", "orgs": ["*"], "scopes": ["records:write"], "rateLimit": {"perSecond": 0}}]}
                """.formatted("0".repeat(64));
        assertThatThrownBy(() -> ApiKeys.parse(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(ApiKeys.InvalidKeysFile.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "keys[0].colour: unknown field",
                        "keys[0].id: must be 1-128 letters, digits and . _ ( ) -",
                        "keys[0].sha256: must be 64 lower-case hex characters",
                        "keys[0].orgs: must name at least one org (or \"*\")",
                        "keys[0].scopes: unknown scope 'records:delete' (known: " + ApiKey.KNOWN_SCOPES + ")",
                        "keys[1].rateLimit: must be {\"perSecond\": > 0, \"burst\": >= 1}"));
    }

    @Test
    void theToolCreatesKeysPrintingTheSecretOnceAndStoringOnlyItsHash(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ApiKeyTool.run(new String[]{"create", "--file", file.toString(), "--id", "acme-grc", "--org", "acme", "--org", "globex",
                "--scope", "oscal:write", "--framework", "nist-800-53-r5", "--rate", "50", "--burst", "200"}, new PrintStream(out), new PrintStream(err));
        assertThat(status).as(err.toString()).isZero();
        String secret = out.toString().strip();
        assertThat(secret).startsWith("cpk_");
        assertThat(Files.readString(file)).doesNotContain(secret).contains(ApiKeySecrets.sha256(secret));

        try (ApiKeyStore store = ApiKeyStore.open(file, Duration.ofSeconds(60))) {
            ApiKeyStore.Authentication auth = store.authenticate(secret);
            assertThat(auth).isInstanceOf(ApiKeyStore.Authentication.Valid.class);
            ApiKey key = ((ApiKeyStore.Authentication.Valid) auth).key();
            assertThat(key.orgs()).containsExactly("acme", "globex");
            assertThat(key.scopes()).containsExactly("oscal:write");
            assertThat(key.framework()).isEqualTo("nist-800-53-r5");
            assertThat(key.rateLimit()).isEqualTo(new ApiKey.RateLimit(50, 200));

            assertThat(ApiKeyTool.run(new String[]{"revoke", "--file", file.toString(), "--id", "acme-grc"}, new PrintStream(out), new PrintStream(err))).isZero();
            store.reloadIfChanged();
            assertThat(store.authenticate(secret)).isEqualTo(new ApiKeyStore.Authentication.Revoked("acme-grc"));
        }
        assertThat(ApiKeyTool.run(new String[]{"create", "--file", file.toString(), "--id", "acme-grc", "--org", "acme"},
                new PrintStream(out), new PrintStream(err))).as("ids are unique").isEqualTo(1);
        assertThat(ApiKeyTool.run(new String[]{"create", "--file", file.toString(), "--id", "bad id", "--org", "acme"},
                new PrintStream(out), new PrintStream(err))).isEqualTo(1);
        assertThat(err.toString()).contains("keys[1].id: must be 1-128 letters");
    }

    @Test
    void aBrokenFileLeavesThePreviousKeysInForce(@TempDir Path dir) throws Exception {
        String secret = ApiKeySecrets.newSecret();
        Path file = dir.resolve("keys.json");
        Files.writeString(file, "{\"keys\": [{\"id\": \"k\", \"sha256\": \"" + ApiKeySecrets.sha256(secret) + "\", \"orgs\": [\"acme\"], \"scopes\": [\"records:write\"]}]}");
        try (ApiKeyStore store = ApiKeyStore.open(file, Duration.ofSeconds(60))) {
            Files.writeString(file, "{\"keys\": [ oops");
            store.reloadIfChanged();
            assertThat(store.reloadFailing()).isTrue();
            assertThat(store.authenticate(secret)).isInstanceOf(ApiKeyStore.Authentication.Valid.class);
            assertThat(store.healthCheck().check().ready()).isTrue();
            assertThat(store.healthCheck().check().detail()).contains("previous keys in force");
        }
    }
}
