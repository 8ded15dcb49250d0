package org.compliancepipeline.query;

import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service as bin/pipeline runs it: {@code QueryApiMain} in its own JVM on the module's runtime
 * classpath ({@code target/classpath.txt}, no test dependencies), configured by environment variables.
 */
@RealInfra
class QueryApiProcessIT {

    @Test
    void theMainClassStartsFromTheRuntimeClasspathAndAnswers(Infra infra) throws Exception {
        Path module = Path.of(System.getProperty("pipeline.root", "..")).toAbsolutePath().resolve("query-api");
        String classpath = module.resolve("target/classes") + ":" + Files.readString(module.resolve("target/classpath.txt")).strip();
        try (Fixture fx = new Fixture(infra)) {
            fx.writeKeys("acme");
            fx.loadOrg("acme", 6, 70.0, true);
            int http = freePort();
            int ops = freePort();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", classpath, "org.compliancepipeline.query.QueryApiMain"));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(fx.dir.resolve("service.log").toFile());
            QueryConfig c = fx.config();
            pb.environment().putAll(infra.asEnvironment());
            pb.environment().put("HTTP_PORT", String.valueOf(http));
            pb.environment().put("OPS_PORT", String.valueOf(ops));
            pb.environment().put("QUERY_API_KEYS_FILE", c.apiKeysFile().toString());
            pb.environment().put("CACHE_KEY_PREFIX", c.cachePrefix());
            pb.environment().put("POSTGRES_URL", c.postgresUrl());
            pb.environment().put("ELASTICSEARCH_INDEX_PREFIX", c.indexPrefix());
            pb.environment().put("QUERY_AUDIT_TOPIC", c.auditTopic());
            pb.environment().put("TOPIC_CONTROLS", c.controlsTopic());
            Process p = pb.start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() ->
                        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops + "/ready")).build(),
                                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
                Http api = new Http(http);
                String key = fx.secrets.get("acme-analyst");
                for (String path : List.of("/v1/orgs/acme/frameworks/" + Fixture.FW + "/score", "/v1/orgs/acme/frameworks/" + Fixture.FW + "/controls",
                        "/v1/orgs/acme/frameworks/" + Fixture.FW + "/timeseries", "/v1/leaderboard/" + Fixture.FW, "/v1/search?q=firewall",
                        "/v1/records/" + Fixture.recordId("acme", 0))) {
                    var r = api.get(path, key);
                    assertThat(r.status()).as(path + " -> " + r + "\n" + Files.readString(fx.dir.resolve("service.log"))).isEqualTo(200);
                    assertThat(r.json().path("source").asText()).as(path).isIn("redis", "postgresql", "elasticsearch");
                }
                var metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ops + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("query_http_requests_seconds", "query_score_cache_total");
            } finally {
                p.destroy();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
