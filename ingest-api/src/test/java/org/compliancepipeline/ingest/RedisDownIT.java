package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import org.compliancepipeline.testkit.DedicatedInfra.Component;
import org.compliancepipeline.testkit.DedicatedInfra;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis holds the rate limits and the idempotency answers. While it is down the API fails closed
 * (503 with Retry-After, quickly, nothing produced) unless configured to let requests pass
 * unthrottled; requests with an Idempotency-Key are always refused then. Runs on a Redis of its own.
 */
@RealInfra
class RedisDownIT {

    @Test
    void withRedisStoppedRequestsGet503QuicklyAndSucceedAgainAfterItRestarts(Infra shared) throws Exception {
        try (DedicatedInfra own = DedicatedInfra.launch(Component.REDIS)) {
            Infra redis = own.infra();
            Infra infra = new Infra("dedicated-redis", shared.kafkaBootstrapServers(), shared.postgresUrl(), shared.postgresUser(),
                    shared.postgresPassword(), redis.redisHost(), redis.redisPort(), redis.redisPassword(), shared.elasticsearchUrl());
            try (IngestTestService closed = IngestTestService.start(infra, Map.of("REDIS_TIMEOUT", "300ms"));
                 IngestTestService open = IngestTestService.start(infra, Map.of("REDIS_TIMEOUT", "300ms",
                         "INGEST_RATE_LIMIT_WHEN_REDIS_DOWN", "allow"))) {
                String record = TestRecords.record(1).toString();
                assertThat(closed.postJson("/v1/records", record, "writer").statusCode()).isEqualTo(202);
                assertThat(closed.ops("/ready").statusCode()).isEqualTo(200);

                own.stop(Component.REDIS);

                var before = closed.endOffsets();
                long t0 = System.nanoTime();
                HttpResponse<String> r = closed.postJson("/v1/records", TestRecords.record(2).toString(), "writer");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
                assertThat(r.statusCode()).as(IngestTestService.summary(r)).isEqualTo(503);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                JsonNode body = TestRecords.JSON.readTree(r.body());
                assertThat(body.get("error").asText()).isEqualTo("rate_limit_unavailable");
                assertThat(body.get("message").asText()).contains("Redis");

                HttpResponse<String> idem = closed.postJson("/v1/records", TestRecords.record(3).toString(), "writer", "Idempotency-Key", "k-1");
                assertThat(idem.statusCode()).isEqualTo(503);
                assertThat(TestRecords.JSON.readTree(idem.body()).get("error").asText()).isEqualTo("idempotency_unavailable");
                assertThat(closed.producedSince(before)).as("nothing produced").isZero();
                await().atMost(Duration.ofSeconds(10)).until(() -> closed.ops("/ready").statusCode() == 503);
                assertThat(closed.ops("/ready").body()).contains("\"redis\":{\"ready\":false");

                // The fail-open instance lets requests without an Idempotency-Key pass unthrottled.
                assertThat(open.postJson("/v1/records", TestRecords.record(4).toString(), "writer").statusCode()).isEqualTo(202);
                assertThat(open.postJson("/v1/records", TestRecords.record(5).toString(), "writer", "Idempotency-Key", "k-2").statusCode())
                        .isEqualTo(503);

                own.start(Component.REDIS);

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                        .until(() -> closed.postJson("/v1/records", TestRecords.record(6).toString(), "writer").statusCode() == 202);
                await().atMost(Duration.ofSeconds(10)).until(() -> closed.ops("/ready").statusCode() == 200);
                assertThat(closed.postJson("/v1/records", TestRecords.record(7).toString(), "writer", "Idempotency-Key", "k-3").statusCode())
                        .isEqualTo(202);
            }
        }
    }
}
