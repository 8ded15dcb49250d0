package org.compliancepipeline.sink.search;

import org.compliancepipeline.platform.config.ConfigException;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.schemas.Topics;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * sink-search's configuration (the consumer side is {@link org.compliancepipeline.sink.runtime.SinkConfig}).
 *
 * <table>
 *   <tr><td>{@code ELASTICSEARCH_URL}</td><td>one or more comma-separated node URLs (default {@code http://127.0.0.1:9200})</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_API_KEY} (or {@code _FILE})</td><td>encoded API key; wins over username/password</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_USERNAME}, {@code ELASTICSEARCH_PASSWORD} (or {@code _FILE})</td><td>basic authentication</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_BULK_MAX_ACTIONS}</td><td>documents per bulk request (default 1000)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_BULK_MAX_BYTES}</td><td>bytes per bulk request body (default 5 MiB)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_MAX_IN_FLIGHT}</td><td>bulk requests in flight per instance (default 2)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_INDEX_PREFIX}</td><td>prefix of every index, alias and template (default {@code compliance})</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_SHARDS}, {@code ELASTICSEARCH_REPLICAS}</td><td>for new indices (default 1 and 0)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_REFRESH_INTERVAL}</td><td>{@code index.refresh_interval} of new indices (default 1s)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_REQUEST_TIMEOUT}</td><td>response timeout of one request (default 60s)</td></tr>
 *   <tr><td>{@code ELASTICSEARCH_COMPRESSION}</td><td>gzip request bodies (default false)</td></tr>
 *   <tr><td>{@code TOPIC_ENRICHED}, {@code TOPIC_CONTROL_STATUS}</td><td>input topics (defaults: the catalogue's)</td></tr>
 * </table>
 */
public record SearchSinkConfig(List<URI> urls, Secret apiKey, String username, Secret password,
                               int bulkMaxActions, long bulkMaxBytes, int maxInFlight,
                               String indexPrefix, int shards, int replicas, String refreshInterval,
                               Duration requestTimeout, boolean compression,
                               String enrichedTopic, String controlStatusTopic) {

    /** What Elasticsearch accepts at the start of index names, lower case only; the rest is ours to keep short. */
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final Pattern INTERVAL = Pattern.compile("-1|\\d+(ms|s|m|h)");

    public SearchSinkConfig {
        urls = List.copyOf(urls);
    }

    /**
     * Reads the variables. Problems with the values this record checks itself (URLs, prefix) are
     * reported together with every other problem {@code env} has seen so far.
     */
    public static SearchSinkConfig fromEnv(Env env) {
        List<String> problems = new ArrayList<>();
        String rawUrls = env.string("ELASTICSEARCH_URL", "http://127.0.0.1:9200");
        List<URI> urls = new ArrayList<>();
        for (String u : rawUrls.split(",")) {
            try {
                URI uri = URI.create(u.trim());
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) throw new IllegalArgumentException();
                urls.add(uri);
            } catch (IllegalArgumentException e) {
                problems.add("ELASTICSEARCH_URL: must be http(s)://host[:port][,...], got '" + u.trim() + "'");
            }
        }
        String prefix = env.string("ELASTICSEARCH_INDEX_PREFIX", "compliance");
        if (!PREFIX.matcher(prefix).matches()) {
            problems.add("ELASTICSEARCH_INDEX_PREFIX: must be 1-100 lower-case letters, digits, '.', '_' or '-', not starting with '.', '_' or '-', got '" + prefix + "'");
        }
        String refresh = env.string("ELASTICSEARCH_REFRESH_INTERVAL", "1s");
        if (!INTERVAL.matcher(refresh).matches()) {
            problems.add("ELASTICSEARCH_REFRESH_INTERVAL: must be -1 or a time like 500ms, 1s, 30s, got '" + refresh + "'");
        }
        SearchSinkConfig config = new SearchSinkConfig(urls,
                env.secret("ELASTICSEARCH_API_KEY", ""),
                env.string("ELASTICSEARCH_USERNAME", ""),
                env.secret("ELASTICSEARCH_PASSWORD", ""),
                env.integer("ELASTICSEARCH_BULK_MAX_ACTIONS", 1000, 1, 100_000),
                env.longValue("ELASTICSEARCH_BULK_MAX_BYTES", 5L << 20, 1024, 100L << 20),
                env.integer("ELASTICSEARCH_MAX_IN_FLIGHT", 2, 1, 64),
                prefix,
                env.integer("ELASTICSEARCH_SHARDS", 1, 1, 1024),
                env.integer("ELASTICSEARCH_REPLICAS", 0, 0, 16),
                refresh,
                env.duration("ELASTICSEARCH_REQUEST_TIMEOUT", Duration.ofSeconds(60)),
                env.bool("ELASTICSEARCH_COMPRESSION", false),
                env.string("TOPIC_ENRICHED", Topics.ENRICHED.name()),
                env.string("TOPIC_CONTROL_STATUS", Topics.CONTROL_STATUS.name()));
        if (!problems.isEmpty()) {
            List<String> all = new ArrayList<>(env.problems());
            all.addAll(problems);
            throw new ConfigException(all);
        }
        return config;
    }

    /** Local defaults against the given node, for tests and tools. */
    public static SearchSinkConfig local(String url, String indexPrefix, String enrichedTopic, String controlStatusTopic) {
        return new SearchSinkConfig(List.of(URI.create(url)), new Secret(""), "", new Secret(""), 1000, 5L << 20, 2,
                indexPrefix, 1, 0, "1s", Duration.ofSeconds(60), false, enrichedTopic, controlStatusTopic);
    }

    public SearchSinkConfig withBulk(int maxActions, long maxBytes, int inFlight) {
        return new SearchSinkConfig(urls, apiKey, username, password, maxActions, maxBytes, inFlight, indexPrefix, shards, replicas,
                refreshInterval, requestTimeout, compression, enrichedTopic, controlStatusTopic);
    }

    public SearchSinkConfig withPrefix(String prefix) {
        return new SearchSinkConfig(urls, apiKey, username, password, bulkMaxActions, bulkMaxBytes, maxInFlight, prefix, shards, replicas,
                refreshInterval, requestTimeout, compression, enrichedTopic, controlStatusTopic);
    }

    public List<String> topics() {
        return List.of(enrichedTopic, controlStatusTopic);
    }

    @Override
    public String toString() {
        // Secrets print as ****** through Secret.toString; the user name is not a secret.
        return "SearchSinkConfig[urls=" + urls + ", auth=" + (apiKey.isPresent() ? "api-key" : !username.isEmpty() ? "basic" : "none")
                + ", bulk=" + bulkMaxActions + " actions/" + bulkMaxBytes + " bytes, inFlight=" + maxInFlight + ", prefix=" + indexPrefix
                + ", shards=" + shards + ", replicas=" + replicas + ", refresh=" + refreshInterval + ", topics=" + topics() + "]";
    }
}
