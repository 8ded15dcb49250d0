package org.compliancepipeline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The keys file deploy/compose-init.sh writes is one the services accept: its fields and scopes are those the
 * keys file parser (ApiKeys, ApiKey) knows, and it is written where the APIs of docker-compose.yml read it.
 * Read from the sources, so a change of the format there fails here rather than in a container.
 */
class ComposeInitTest {
    private static final Path ROOT = Path.of(System.getProperty("pipeline.root", "..")).toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theKeysFileHasOnlyFieldsAndScopesTheParserKnows() throws IOException {
        JsonNode file = keysFileOfTheScript();
        assertThat(file.path("keys").isArray()).isTrue();
        assertThat(file.path("keys")).hasSize(1);
        JsonNode key = file.path("keys").get(0);

        String apiKeys = Files.readString(source("ApiKeys.java"));
        Set<String> fields = strings(group(apiKeys, "FIELDS\\s*=\\s*Set\\.of\\(([^)]*)\\)"));
        assertThat(fields).as("fields ApiKeys accepts").contains("id", "sha256", "orgs", "scopes");
        key.fieldNames().forEachRemaining(f -> assertThat(fields).as("field of the keys file").contains(f));

        String apiKey = Files.readString(source("ApiKey.java"));
        Map<String, String> constants = new HashMap<>();
        Matcher c = Pattern.compile("static final String (\\w+)\\s*=\\s*\"([^\"]*)\"").matcher(apiKey);
        while (c.find()) constants.put(c.group(1), c.group(2));
        Set<String> scopes = new TreeSet<>();
        for (String name : group(apiKey, "KNOWN_SCOPES\\s*=\\s*Set\\.of\\(([^)]*)\\)").split(",")) {
            scopes.add(constants.getOrDefault(name.trim(), name.trim().replace("\"", "")));
        }
        key.path("scopes").forEach(s -> assertThat(scopes).as("scopes ApiKey knows").contains(s.asText()));
        assertThat(key.path("scopes").toString()).contains("records:write", "oscal:write");
        assertThat(key.path("orgs").get(0).asText()).isEqualTo(constants.get("ANY_ORG"));
        assertThat(key.path("id").asText()).matches("[A-Za-z0-9._()-]{1,128}");
    }

    @Test
    void theApisReadTheKeysFileInitWrites() throws IOException {
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docker-compose.yml").toFile()).path("services");
        String written = services.path("init").path("environment").path("INGEST_API_KEYS_FILE").asText();
        assertThat(written).startsWith("/var/lib/pipeline/");
        assertThat(services.path("ingest-api").path("environment").path("INGEST_API_KEYS_FILE").asText()).isEqualTo(written);
        if (services.has("query-api")) {
            assertThat(services.path("query-api").path("environment").path("QUERY_API_KEYS_FILE").asText()).isEqualTo(written);
        }
        // The volume holding it is mounted at the same place in the writer and the readers.
        assertThat(services.path("init").path("volumes").toString()).contains("api-keys:/var/lib/pipeline");
        assertThat(services.path("ingest-api").path("volumes").toString()).contains("api-keys:/var/lib/pipeline");
    }

    /** The JSON the script's printf writes, with a SHA-256 in place of %s. */
    private static JsonNode keysFileOfTheScript() throws IOException {
        String script = Files.readString(ROOT.resolve("deploy/compose-init.sh"));
        String format = group(script, "printf '(\\{\"keys\".*?)\\\\n'");
        assertThat(format).contains("%s");
        return JSON.readTree(format.replace("%s", "0".repeat(64)));
    }

    /** {@code fileName} in an {@code auth} package of a module's main sources (the keys file parser moves between modules). */
    private static Path source(String fileName) throws IOException {
        try (Stream<Path> modules = Files.list(ROOT)) {
            for (Path module : modules.filter(m -> Files.isDirectory(m.resolve("src/main/java"))).sorted().toList()) {
                try (Stream<Path> files = Files.walk(module.resolve("src/main/java"))) {
                    var found = files.filter(p -> p.getFileName().toString().equals(fileName) && p.getParent().endsWith("auth")).findFirst();
                    if (found.isPresent()) return found.get();
                }
            }
        }
        throw new AssertionError("no " + fileName + " in an auth package of any module");
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex, Pattern.DOTALL).matcher(text);
        assertThat(m.find()).as("finds " + regex).isTrue();
        return m.group(1);
    }

    private static Set<String> strings(String list) {
        Set<String> out = new TreeSet<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"").matcher(list);
        while (m.find()) out.add(m.group(1));
        return out;
    }
}
