package org.compliancepipeline.sink.search;

import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sink's index layout and its set-up, all idempotent and safe to run from many instances at once:
 *
 * <ul>
 *   <li>template {@code <prefix>-records-v1} for the monthly indices {@code <prefix>-records-YYYY.MM}
 *       (month of observedAt, UTC), each carrying the read alias {@code <prefix>-records};</li>
 *   <li>template {@code <prefix>-control-status-v1} for the index {@code <prefix>-control-status-v1},
 *       read through the alias {@code <prefix>-control-status}, which the sink adds only while no
 *       index holds it (so a rebuilt v2 index takes over by an explicit alias swap, see the README).</li>
 * </ul>
 *
 * A template is (re)written when it is missing, older, or the same version with other settings
 * (shards, replicas, refresh interval): its {@code _meta.body_sha256} tells. A newer version of the
 * same template name, installed by a newer sink, is left alone.
 */
public final class SearchIndices {
    private static final Logger log = LoggerFactory.getLogger(SearchIndices.class);

    public static final int RECORDS_MAPPING_VERSION = 1;
    public static final int STATUS_MAPPING_VERSION = 1;

    private final Rest5Client client;
    private final SearchSinkConfig config;
    private final ObjectMapper json;
    private final Set<String> knownIndices = ConcurrentHashMap.newKeySet();
    private volatile boolean ready;

    public SearchIndices(Rest5Client client, SearchSinkConfig config, ObjectMapper json) {
        this.client = client;
        this.config = config;
        this.json = json;
    }

    public String recordsAlias() {
        return config.indexPrefix() + "-records";
    }

    public String recordsTemplate() {
        return config.indexPrefix() + "-records-v" + RECORDS_MAPPING_VERSION;
    }

    /** The monthly index of a record observed at this instant (UTC month). */
    public String recordsIndex(Instant observedAt) {
        ZonedDateTime t = observedAt.atZone(ZoneOffset.UTC);
        int month = t.getMonthValue();
        return config.indexPrefix() + "-records-" + t.getYear() + (month < 10 ? ".0" : ".") + month;
    }

    public String statusAlias() {
        return config.indexPrefix() + "-control-status";
    }

    public String statusIndex() {
        return config.indexPrefix() + "-control-status-v" + STATUS_MAPPING_VERSION;
    }

    public String statusTemplate() {
        return statusIndex();
    }

    /** Templates and the control-status index; cheap once done. */
    public void ensureReady() throws IndexSetupException {
        if (ready) return;
        synchronized (this) {
            if (ready) return;
            ensureTemplate(recordsTemplate(), RECORDS_MAPPING_VERSION, "elasticsearch/records-template-v1.json");
            ensureTemplate(statusTemplate(), STATUS_MAPPING_VERSION, "elasticsearch/control-status-template-v1.json");
            ensureStatusIndex();
            ready = true;
        }
    }

    /**
     * Creates a monthly index explicitly (its template gives mappings and alias), so writes do not
     * depend on {@code action.auto_create_index}; remembered once it exists.
     */
    public void ensureRecordsIndex(String index) throws IndexSetupException {
        if (knownIndices.contains(index)) return;
        createIndex(index, null);
        knownIndices.add(index);
    }

    /** Forgets an index a write found missing (deleted behind our back): the next write creates it again. */
    public void forget(String index) {
        knownIndices.remove(index);
        if (index.equals(statusIndex())) ready = false;
    }

    private void ensureStatusIndex() throws IndexSetupException {
        if (knownIndices.contains(statusIndex())) return;
        boolean aliasExists = exists("/_alias/" + statusAlias());
        createIndex(statusIndex(), aliasExists ? null : "{\"aliases\":{\"" + statusAlias() + "\":{}}}");
        knownIndices.add(statusIndex());
    }

    private void createIndex(String index, String body) throws IndexSetupException {
        Request put = new Request("PUT", "/" + index);
        if (body != null) put.setJsonEntity(body);
        try {
            ElasticsearchConnection.perform(client, put);
            log.info("created index {}", index);
        } catch (ResponseException e) {
            if (!isAlreadyExists(e)) throw new IndexSetupException("cannot create index " + index + ": " + errorOf(e), e);
        } catch (IOException e) {
            throw new IndexSetupException("cannot create index " + index + ": " + e, e);
        }
    }

    private boolean exists(String endpoint) throws IndexSetupException {
        try {
            // HEAD answers 200 or 404 without a body; both come back as responses.
            int status = client.performRequest(new Request("HEAD", endpoint)).getStatusCode();
            if (status == 200) return true;
            if (status == 404) return false;
            throw new IndexSetupException("HEAD " + endpoint + ": status " + status, null);
        } catch (ResponseException e) {
            if (e.getResponse().getStatusCode() == 404) return false;
            throw new IndexSetupException("HEAD " + endpoint + ": " + errorOf(e), e);
        } catch (IOException e) {
            throw new IndexSetupException("HEAD " + endpoint + ": " + e, e);
        }
    }

    private void ensureTemplate(String name, int version, String resource) throws IndexSetupException {
        ObjectNode body = template(resource);
        String hash = sha256(body.toString());
        ((ObjectNode) body.get("_meta")).put("body_sha256", hash);
        try {
            JsonNode installed = installedTemplate(name);
            if (installed != null) {
                int installedVersion = installed.path("version").asInt(0);
                String installedHash = installed.path("_meta").path("body_sha256").asText("");
                if (installedVersion > version) {
                    log.warn("index template {} has version {}, newer than this sink's {}: left as it is", name, installedVersion, version);
                    return;
                }
                if (installedVersion == version && installedHash.equals(hash)) return;
            }
            Request put = new Request("PUT", "/_index_template/" + name);
            put.setJsonEntity(json.writeValueAsString(body));
            ElasticsearchConnection.perform(client, put);
            log.info("index template {} version {} {}", name, version, installed == null ? "created" : "updated");
        } catch (ResponseException e) {
            throw new IndexSetupException("cannot install index template " + name + ": " + errorOf(e), e);
        } catch (IOException e) {
            throw new IndexSetupException("cannot install index template " + name + ": " + e, e);
        }
    }

    private JsonNode installedTemplate(String name) throws IOException {
        try {
            Response r = client.performRequest(new Request("GET", "/_index_template/" + name));
            if (r.getStatusCode() == 404) return null;
            ElasticsearchConnection.successful(r);
            JsonNode templates = json.readTree(r.getEntity().getContent()).path("index_templates");
            for (JsonNode t : templates) {
                if (name.equals(t.path("name").asText())) return t.path("index_template");
            }
            return null;
        } catch (ResponseException e) {
            if (e.getResponse().getStatusCode() == 404) return null;
            throw e;
        }
    }

    /** The template resource with this sink's prefix and index settings filled in. */
    ObjectNode template(String resource) {
        try (InputStream in = SearchIndices.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing resource " + resource);
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> p : Map.of(
                    "${prefix}", config.indexPrefix(),
                    "${shards}", String.valueOf(config.shards()),
                    "${replicas}", String.valueOf(config.replicas()),
                    "${refresh_interval}", config.refreshInterval()).entrySet()) {
                text = text.replace(p.getKey(), p.getValue());
            }
            return (ObjectNode) json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isAlreadyExists(ResponseException e) {
        return e.getResponse().getStatusCode() == 400 && errorOf(e).contains("resource_already_exists_exception");
    }

    static String errorOf(ResponseException e) {
        String m = e.getMessage();
        return m == null ? "status " + e.getResponse().getStatusCode() : m.length() > 1000 ? m.substring(0, 1000) + "..." : m;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Setting up an index or template failed: always the store's problem (retryable), never a record's. */
    public static final class IndexSetupException extends Exception {
        IndexSetupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
