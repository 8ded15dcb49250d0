package org.compliancepipeline.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;
import org.apache.hc.core5.util.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * One HTTP connection pool to the cluster, used two ways: the low-level {@link Rest5Client} for the
 * bulk path (raw NDJSON bodies, see {@link BulkIndexer}) and index administration, and the typed
 * {@link ElasticsearchClient} on top of it for whoever prefers typed requests (tests, tools).
 * Credentials go into a default header and are never logged.
 */
public final class ElasticsearchConnection implements AutoCloseable {
    private final Rest5Client lowLevel;
    private final ElasticsearchClient client;

    private ElasticsearchConnection(Rest5Client lowLevel, ElasticsearchClient client) {
        this.lowLevel = lowLevel;
        this.client = client;
    }

    public static ElasticsearchConnection open(SearchSinkConfig config, ObjectMapper json) {
        Header[] headers = new Header[0];
        if (config.apiKey().isPresent()) {
            headers = new Header[] {new BasicHeader("Authorization", "ApiKey " + config.apiKey().value())};
        } else if (!config.username().isEmpty()) {
            String basic = Base64.getEncoder().encodeToString((config.username() + ":" + config.password().value()).getBytes(StandardCharsets.UTF_8));
            headers = new Header[] {new BasicHeader("Authorization", "Basic " + basic)};
        }
        Timeout response = Timeout.ofMilliseconds(config.requestTimeout().toMillis());
        Rest5Client rest = Rest5Client.builder(config.urls())
                .setDefaultHeaders(headers)
                .setCompressionEnabled(config.compression())
                .setRequestConfigCallback(r -> r.setResponseTimeout(response).setConnectionRequestTimeout(response))
                .setConnectionConfigCallback(c -> c.setConnectTimeout(Timeout.ofSeconds(5)).setSocketTimeout(response))
                .build();
        ElasticsearchClient typed = new ElasticsearchClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper(json)));
        return new ElasticsearchConnection(rest, typed);
    }

    /**
     * The low-level client returns 4xx responses as responses (it throws only for 5xx and
     * connection trouble): this turns every unsuccessful status into a {@link ResponseException},
     * so callers meet one failure type carrying the status and Elasticsearch's error body.
     */
    public static Response successful(Response response) throws IOException {
        if (response.getStatusCode() >= 300) throw new ResponseException(response);
        return response;
    }

    /** {@link Rest5Client#performRequest} that throws for every unsuccessful status. */
    public static Response perform(Rest5Client client, Request request) throws IOException {
        return successful(client.performRequest(request));
    }

    public Rest5Client lowLevel() {
        return lowLevel;
    }

    public ElasticsearchClient client() {
        return client;
    }

    @Override
    public void close() throws IOException {
        lowLevel.close();
    }
}
