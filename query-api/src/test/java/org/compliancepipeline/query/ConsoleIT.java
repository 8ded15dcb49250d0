package org.compliancepipeline.query;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfra;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The analyst console in headless Chromium (Debian's chromium, driven by playwright-core from
 * query-api/console; {@code npm ci} there installs it) against the query API with real data in
 * every store: the page shows it, a search returns highlighted hits, a live update arrives, and a
 * screenshot is written to {@code query-api/target/console.png}.
 */
@RealInfra
class ConsoleIT {

    @Test
    void theConsoleShowsRealDataHighlightsSearchHitsAndFollowsLiveScores(Infra infra) throws Exception {
        Path root = Path.of(System.getProperty("pipeline.root", "..")).toAbsolutePath();
        Path consoleDir = root.resolve("query-api/console");
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        assumeTrue(Files.isExecutable(chromium), "no Chromium at " + chromium + " (apt-get install chromium, or set CHROMIUM)");
        assumeTrue(Files.isDirectory(consoleDir.resolve("node_modules/playwright-core")),
                "playwright-core is not installed: run npm ci in query-api/console");
        try (Fixture fx = new Fixture(infra); KafkaClients kafka = fx.kafka()) {
            fx.writeKeys("acme");
            fx.loadCatalog(12);
            fx.loadOrg("acme", 12, 62.5, true);
            fx.loadOrg("globex", 12, 41.0, true);
            fx.loadOrg("initech", 12, 88.0, true);
            try (QueryApi api = QueryApi.start(fx.config(), kafka, new SimpleMeterRegistry(), Duration.ofSeconds(2))) {
                await().atMost(30, TimeUnit.SECONDS).until(() -> api.catalog().caughtUp());
                Path screenshot = root.resolve("query-api/target/console.png");
                Files.deleteIfExists(screenshot);
                AtomicBoolean done = new AtomicBoolean();
                // The cache sink's part, while the page is open: score changes on the framework's stream.
                Thread publisher = Thread.ofVirtual().start(() -> {
                    while (!done.get()) {
                        fx.publishScoreChange("acme", 99.5);
                        try {
                            Thread.sleep(500);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                ProcessBuilder pb = new ProcessBuilder("node", "console.test.mjs").directory(consoleDir.toFile()).redirectErrorStream(true);
                pb.environment().put("CONSOLE_URL", "http://127.0.0.1:" + api.port());
                pb.environment().put("CONSOLE_KEY", fx.secrets.get("auditor"));
                pb.environment().put("CONSOLE_ORG", "acme");
                pb.environment().put("CONSOLE_LIVE_SCORE", "99.5");
                pb.environment().put("CONSOLE_SCREENSHOT", screenshot.toString());
                pb.environment().put("CHROMIUM", chromium.toString());
                Process p = pb.start();
                String out = new String(p.getInputStream().readAllBytes());
                boolean exited = p.waitFor(120, TimeUnit.SECONDS);
                done.set(true);
                publisher.join();
                System.out.println(out);
                assertThat(exited).as("browser test finished").isTrue();
                assertThat(p.exitValue()).as(out).isZero();
                assertThat(out).contains("ok - search hits highlight the query", "ok - a live score update");
                assertThat(screenshot).exists();
                assertThat(Files.size(screenshot)).isGreaterThan(10_000);
            }
        }
    }
}
