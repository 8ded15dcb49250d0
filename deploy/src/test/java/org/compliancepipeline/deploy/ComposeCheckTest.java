package org.compliancepipeline.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository's docker-compose.yml passes the check, and each kind of mistake in a copy of it is reported.
 * No Docker engine is needed: the check reads the files and the services' sources.
 */
class ComposeCheckTest {
    private static final Path ROOT = Path.of(System.getProperty("pipeline.root", "..")).toAbsolutePath().normalize();
    private static final ComposeCheck.Inputs REPOSITORY = ComposeCheck.Inputs.of(ROOT);

    @TempDir
    Path tmp;

    @Test
    void theRepositorysComposeFileIsValidAndConsistentWithTheServices() {
        assertThat(ComposeCheck.check(REPOSITORY)).isEmpty();
    }

    @Test
    void everyServiceOfTheServicesListIsCheckedAgainstItsCode() throws IOException {
        // The services bin/pipeline runs are all in compose, with their modules' code behind them.
        List<String> services = Files.readAllLines(ROOT.resolve("infra/services.list")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).map(l -> l.trim().split("\\s+")[0]).toList();
        assertThat(services).contains("ingest-api", "query-api", "stream-processor", "sink-timescale", "sink-search", "sink-cache");
        String compose = Files.readString(REPOSITORY.compose());
        services.forEach(s -> assertThat(compose).contains("\n  " + s + ":\n"));
    }

    @Test
    void aFileTheSchemaRejectsFails() throws IOException {
        assertThat(problemsAfter("      retries: 12\n", "      retries: {count: 12}\n"))
                .anySatisfy(p -> assertThat(p).startsWith("schema: ").contains("retries"));
        assertThat(problemsAfter("    restart: unless-stopped\n", "    restart: unless-stopped\n    restart_policy: always\n"))
                .anySatisfy(p -> assertThat(p).startsWith("schema: ").contains("restart_policy"));
    }

    @Test
    void aHealthCheckOnAnotherPortThanTheServiceListensOnFails() throws IOException {
        assertThat(problemsAfter("http://127.0.0.1:9403/ready", "http://127.0.0.1:9499/ready"))
                .anySatisfy(p -> assertThat(p).contains("services.sink-timescale.healthcheck.test").contains("9499").contains("9403"));
    }

    @Test
    void anOpsPortMovedByEnvironmentMustBeFollowedByHealthCheckAndScrapeTarget() throws IOException {
        assertThat(problemsAfter("      INSTANCE_ID: sink-cache\n", "      INSTANCE_ID: sink-cache\n      OPS_PORT: 9555\n"))
                .anySatisfy(p -> assertThat(p).contains("services.sink-cache.healthcheck.test").contains("9555"))
                .anySatisfy(p -> assertThat(p).contains("services.sink-cache.ports").contains("9405"))
                .anySatisfy(p -> assertThat(p).contains("monitoring/prometheus.yml").contains("sink-cache:9555"));
    }

    @Test
    void aVariableTheServiceDoesNotReadFails() throws IOException {
        assertThat(problemsAfter("      INSTANCE_ID: sink-timescale\n", "      INSTANCE_ID: sink-timescale\n      POSTGRES_PASWORD: typo\n"))
                .anySatisfy(p -> assertThat(p).contains("services.sink-timescale.environment.POSTGRES_PASWORD: nothing reads it"));
    }

    @Test
    void secretFilesAndPassThroughPrefixesAreRead() throws IOException {
        assertThat(problemsAfter("      INSTANCE_ID: sink-timescale\n",
                "      INSTANCE_ID: sink-timescale\n      POSTGRES_PASSWORD_FILE: /run/secrets/pg\n"
                        + "      KAFKA_CLIENT_CLIENT_DNS_LOOKUP: use_all_dns_ips\n"))
                .isEmpty();
    }

    @Test
    void aServerBoundToLoopbackInsideItsContainerFails() throws IOException {
        assertThat(problemsAfter("      HTTP_HOST: 0.0.0.0\n", ""))
                .anySatisfy(p -> assertThat(p).contains("services.ingest-api.environment.HTTP_HOST: must be 0.0.0.0"));
    }

    @Test
    void aRequiredVariableLeftOutFails() throws IOException {
        assertThat(problemsAfter("      INGEST_API_KEYS_FILE: /var/lib/pipeline/api-keys.json\n    ports:",
                "    ports:"))
                .anySatisfy(p -> assertThat(p).contains("INGEST_API_KEYS_FILE is required by ingest-api"));
    }

    @Test
    void aPortPublishedOnEveryInterfaceFails() throws IOException {
        assertThat(problemsAfter("        published: \"6379\"\n        host_ip: 127.0.0.1\n", "        published: \"6379\"\n"))
                .anySatisfy(p -> assertThat(p).contains("services.redis.ports").contains("127.0.0.1 only"));
    }

    @Test
    void aPublishedPortTheServiceDoesNotListenOnFails() throws IOException {
        assertThat(problemsAfter("      - target: 9402\n", "      - target: 9499\n"))
                .anySatisfy(p -> assertThat(p).contains("services.stream-processor.ports: publishes container port 9499"));
    }

    @Test
    void aModuleOrMainClassThatDoesNotExistFails() throws IOException {
        assertThat(problemsAfter("        MODULE: sink-search\n", "        MODULE: sink-serach\n"))
                .anySatisfy(p -> assertThat(p).contains("module 'sink-serach' does not exist"));
        assertThat(problemsAfter("org.compliancepipeline.sink.cache.SinkCacheMain", "org.compliancepipeline.sink.cache.CacheMain"))
                .anySatisfy(p -> assertThat(p).contains("'org.compliancepipeline.sink.cache.CacheMain' is not a class of sink-cache"));
    }

    @Test
    void aMissingDockerfileFails() throws IOException {
        assertThat(problemsAfter("      dockerfile: deploy/Dockerfile\n      args:\n        MODULE: sink-cache\n",
                "      dockerfile: deploy/sink-cache.Dockerfile\n      args:\n        MODULE: sink-cache\n"))
                .anySatisfy(p -> assertThat(p).contains("Dockerfile deploy/sink-cache.Dockerfile does not exist"));
    }

    @Test
    void aServiceOfTheServicesListMissingFromComposeFails() throws IOException {
        Path list = tmp.resolve("services.list");
        Files.writeString(list, Files.readString(REPOSITORY.servicesList())
                + "audit-api         audit-api         org.compliancepipeline.audit.AuditApiMain                  9407\n");
        assertThat(ComposeCheck.check(REPOSITORY.withServicesList(list)))
                .anySatisfy(p -> assertThat(p).contains("infra/services.list names audit-api, which is not a service of docker-compose.yml"));
    }

    @Test
    void aScrapeTargetThatIsNoServicesOpsEndpointFails() throws IOException {
        Path prometheus = tmp.resolve("prometheus.yml");
        Files.writeString(prometheus, Files.readString(REPOSITORY.prometheus()).replace("'sink-search:9404'", "'sink-search:9440'"));
        assertThat(ComposeCheck.check(REPOSITORY.withPrometheus(prometheus)))
                .anySatisfy(p -> assertThat(p).contains("job 'sink-search' scrapes sink-search:9440, which is not the ops endpoint"))
                .anySatisfy(p -> assertThat(p).contains("no scrape job 'sink-search' with target sink-search:9404"));
    }

    @Test
    void aVariableMissingFromTheEnvExampleFails() throws IOException {
        Path env = tmp.resolve(".env.example");
        Files.writeString(env, Files.readString(REPOSITORY.envExample()).replaceAll("(?m)^GRAFANA_ADMIN_PASSWORD=.*$", "GRAFANA_PASSWORD=x"));
        assertThat(ComposeCheck.check(REPOSITORY.withEnvExample(env)))
                .anySatisfy(p -> assertThat(p).contains("variable GRAFANA_ADMIN_PASSWORD is used without a default"))
                .anySatisfy(p -> assertThat(p).contains(".env.example sets GRAFANA_PASSWORD, which docker-compose.yml does not use"));
    }

    @Test
    void aDependencyWithoutAHealthCheckCannotBeWaitedFor() throws IOException {
        assertThat(problemsAfter("      test: [\"CMD-SHELL\", \"redis-cli ping | grep -q PONG\"]\n", "      disable: true\n"))
                .anySatisfy(p -> assertThat(p).contains("depends_on.redis: service_healthy, but redis has no health check"));
    }

    @Test
    void aMountedFileThatDoesNotExistFails() throws IOException {
        assertThat(problemsAfter("./monitoring/grafana/dashboards:", "./monitoring/grafana/dashbaords:"))
                .anySatisfy(p -> assertThat(p).contains("services.grafana.volumes: ./monitoring/grafana/dashbaords does not exist"));
    }

    @Test
    void aDockerfileThatIsNotMultiStageOnJava21AsAnotherUserThanRootFails() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("deploy/Dockerfile"));
        assertThat(dockerfileProblems(dockerfile)).isEmpty();
        assertThat(dockerfileProblems(dockerfile.replace("USER pipeline:pipeline", "USER root")))
                .anySatisfy(p -> assertThat(p).contains("user other than root"));
        assertThat(dockerfileProblems(dockerfile.replace("USER pipeline:pipeline\n", "")))
                .anySatisfy(p -> assertThat(p).contains("user other than root"));
        assertThat(dockerfileProblems(dockerfile.replace("eclipse-temurin:21-jre", "eclipse-temurin:17-jre")))
                .anySatisfy(p -> assertThat(p).contains("eclipse-temurin:17-jre is not Java 21"));
        assertThat(dockerfileProblems("FROM eclipse-temurin:21-jre\nUSER app\nRUN apt-get install -y curl\n"))
                .anySatisfy(p -> assertThat(p).contains("must be multi-stage"));
        assertThat(dockerfileProblems(dockerfile.replace("--no-install-recommends curl", "--no-install-recommends ca-certificates")
                .replace("# curl for", "# tools for")))
                .anySatisfy(p -> assertThat(p).contains("does not install"));
    }

    private static List<String> dockerfileProblems(String dockerfile) {
        return ComposeCheck.dockerfileProblems("deploy/Dockerfile", dockerfile, true);
    }

    /** The problems of a copy of the repository's compose file with {@code from} replaced once by {@code to}. */
    private List<String> problemsAfter(String from, String to) throws IOException {
        String compose = Files.readString(REPOSITORY.compose());
        assertThat(compose).as("the repository's docker-compose.yml contains the text the test breaks").contains(from);
        Path broken = tmp.resolve("docker-compose.yml");
        Files.writeString(broken, compose.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
        return ComposeCheck.check(REPOSITORY.withCompose(broken));
    }
}
