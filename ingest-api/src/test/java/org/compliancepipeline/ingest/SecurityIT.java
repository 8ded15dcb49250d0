package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeySecrets;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** API keys change without a restart; rate limits hold across instances through Redis. */
@RealInfra
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityIT {
    private Infra infra;
    private IngestTestService service;

    @BeforeAll
    void start(Infra infra) {
        this.infra = infra;
        service = IngestTestService.start(infra, Map.of());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void theKeysFileStoresOnlyHashesOfSecrets() throws Exception {
        String file = Files.readString(service.keysFile);
        service.secrets.values().forEach(secret -> assertThat(file).doesNotContain(secret));
        assertThat(file).contains(ApiKeySecrets.sha256(service.secrets.get("writer")));
    }

    @Test
    void aKeyAddedOrRevokedInTheFileTakesEffectWithoutARestart() throws Exception {
        String secret = ApiKeySecrets.newSecret();
        String id = "late-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String record = TestRecords.record(1).toString();
        assertThat(service.postJson("/v1/records", record, secret).statusCode()).isEqualTo(401);

        service.rewriteKeys(keys -> {
            List<ApiKey> next = new ArrayList<>(keys);
            next.add(new ApiKey(id, ApiKeySecrets.sha256(secret), List.of("acme"), Set.of(ApiKey.RECORDS_WRITE), null, false, null, null));
            return next;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> service.postJson("/v1/records", record, secret).statusCode() == 202);

        service.rewriteKeys(keys -> keys.stream().map(k -> k.id().equals(id) ? k.revoke() : k).toList());
        await().atMost(Duration.ofSeconds(10)).until(() -> service.postJson("/v1/records", record, secret).statusCode() == 401);
        var before = service.endOffsets();
        HttpResponse<String> revoked = service.postJson("/v1/records", record, secret);
        assertThat(TestRecords.JSON.readTree(revoked.body()).get("error").asText()).isEqualTo("revoked_api_key");
        assertThat(service.producedSince(before)).isZero();
    }

    @Test
    void aBrokenKeysFileLeavesThePreviousKeysInForce() throws Exception {
        Files.writeString(service.keysFile.resolveSibling("broken.tmp"), "{\"keys\": [{\"id\": \"x\"}]}");
        Files.move(service.keysFile.resolveSibling("broken.tmp"), service.keysFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.metrics().contains("ingest_api_keys_reload_failing{instance=\"test\",service=\"ingest-api\"} 1.0"));
        assertThat(service.postJson("/v1/records", TestRecords.record(1).toString(), "writer").statusCode()).isEqualTo(202);
        service.rewriteKeys(keys -> keys);
        await().atMost(Duration.ofSeconds(10)).until(() -> service.metrics().contains("ingest_api_keys_reload_failing{instance=\"test\",service=\"ingest-api\"} 0.0"));
    }

    @Test
    void theRateLimitIsA429WithRetryAfterAndHoldsAcrossInstances() throws Exception {
        // limited: 5 records/s, burst 10.
        String ten = TestRecords.array(TestRecords.records(10));
        assertThat(service.postJson("/v1/records:batch", ten, "limited").statusCode()).isEqualTo(202);
        var before = service.endOffsets();

        HttpResponse<String> limited = service.postJson("/v1/records:batch", ten, "limited");

        assertThat(limited.statusCode()).as(IngestTestService.summary(limited)).isEqualTo(429);
        long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, 3L);
        JsonNode body = TestRecords.JSON.readTree(limited.body());
        assertThat(body.get("error").asText()).isEqualTo("rate_limited");
        assertThat(body.get("message").asText()).contains("limited to 5 records/s (burst 10)");
        assertThat(service.producedSince(before)).isZero();

        // A second instance shares the bucket through Redis.
        try (IngestTestService second = IngestTestService.start(infra, Map.of())) {
            second.rewriteKeys(keys -> service.keys());
            await().atMost(Duration.ofSeconds(10)).until(() -> second.postJson("/v1/records", "{}", service.secrets.get("limited")).statusCode() != 401);
            HttpResponse<String> elsewhere = second.post("/v1/records:batch", "application/json", ten.getBytes(),
                    service.secrets.get("limited"));
            assertThat(elsewhere.statusCode()).as("the other instance sees the same empty bucket").isEqualTo(429);
        }

        Thread.sleep(retryAfter * 1000 + 200);
        assertThat(service.postJson("/v1/records", TestRecords.record(3).toString(), "limited").statusCode()).isEqualTo(202);
        assertThat(service.metrics()).contains("ingest_ratelimit_rejections_total{");
    }

    @Test
    void secretsNeverAppearInMetricsOrErrors() {
        HttpResponse<String> r = service.postJson("/v1/records", "{}", "cpk_leaked-secret-123");
        assertThat(r.body()).doesNotContain("cpk_leaked-secret-123");
        assertThat(service.metrics()).doesNotContain(service.secrets.get("writer"));
    }

}
