package org.compliancepipeline.cli.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * sink-search's records through the {@code compliance-records} alias: an {@code ids} query, so a record counts as
 * visible when a search finds it (after the index's refresh), as for any reader.
 */
public final class ElasticsearchProbe implements StoreProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI search;
    private final String authorization;

    /** @param authorization an {@code Authorization} header value, or null */
    public ElasticsearchProbe(URI baseUrl, String alias, String authorization) {
        String base = baseUrl.toString().endsWith("/") ? baseUrl.toString() : baseUrl + "/";
        this.search = URI.create(base + alias + "/_search?filter_path=hits.hits._id&ignore_unavailable=true&allow_no_indices=true");
        this.authorization = authorization;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String name() {
        return "elasticsearch";
    }

    @Override
    public Set<String> visible(Collection<String> recordIds) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("size", recordIds.size());
        body.put("_source", false);
        var values = body.putObject("query").putObject("ids").putArray("values");
        recordIds.forEach(values::add);
        HttpRequest.Builder request = HttpRequest.newBuilder(search).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (authorization != null) request.header("Authorization", authorization);
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) throw new IOException("Elasticsearch answered " + response.statusCode() + ": " + response.body());
        Set<String> found = new HashSet<>();
        for (JsonNode hit : JSON.readTree(response.body()).path("hits").path("hits")) found.add(hit.path("_id").asText());
        return found;
    }

    @Override
    public void close() {
        client.close();
    }
}
