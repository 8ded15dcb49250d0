package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.schemas.Topics;

import java.time.Duration;
import java.util.List;

/**
 * sink-timescale's configuration.
 *
 * <table>
 *   <tr><td>{@code POSTGRES_URL}</td><td>JDBC URL (default {@code jdbc:postgresql://127.0.0.1:5432/compliance})</td></tr>
 *   <tr><td>{@code POSTGRES_USER}, {@code POSTGRES_PASSWORD} (or {@code _FILE})</td><td>credentials</td></tr>
 *   <tr><td>{@code POSTGRES_POOL_SIZE}</td><td>connections (default: consumers + 2)</td></tr>
 *   <tr><td>{@code TIMESCALE_MODE}</td><td>{@code auto} (default: use TimescaleDB when the extension is available), {@code on}, {@code off}</td></tr>
 *   <tr><td>{@code TIMESCALE_CHUNK_INTERVAL}</td><td>hypertable chunk interval (default 7d)</td></tr>
 *   <tr><td>{@code TIMESCALE_COMPRESS_AFTER}</td><td>compress chunks older than this, segmented by org (default 30d)</td></tr>
 *   <tr><td>{@code HISTORY_RETENTION}</td><td>drop history older than this; 0 keeps everything (default 0)</td></tr>
 *   <tr><td>{@code ROLLUP_REFRESH}</td><td>how often the daily rollups are refreshed (default 1m)</td></tr>
 *   <tr><td>{@code TOPIC_ENRICHED}, {@code TOPIC_CONTROL_STATUS}, {@code TOPIC_SCORES}, {@code TOPIC_STATS_HOURLY}</td><td>input topics (defaults: the catalogue's)</td></tr>
 *   <tr><td>{@code TOPIC_QUERY_AUDIT}</td><td>the query API's audit trail, stored in {@code query_audit} (default the catalogue's; {@code none} skips it)</td></tr>
 * </table>
 */
public record TimescaleSinkConfig(String jdbcUrl, String user, Secret password, int poolSize, String timescaleMode,
                                  Duration chunkInterval, Duration compressAfter, Duration retention, Duration rollupRefresh,
                                  String enrichedTopic, String controlStatusTopic, String scoresTopic, String statsTopic,
                                  String auditTopic) {

    /** Without the audit trail (its topic is null). */
    public TimescaleSinkConfig(String jdbcUrl, String user, Secret password, int poolSize, String timescaleMode,
                               Duration chunkInterval, Duration compressAfter, Duration retention, Duration rollupRefresh,
                               String enrichedTopic, String controlStatusTopic, String scoresTopic, String statsTopic) {
        this(jdbcUrl, user, password, poolSize, timescaleMode, chunkInterval, compressAfter, retention, rollupRefresh,
                enrichedTopic, controlStatusTopic, scoresTopic, statsTopic, null);
    }

    public static TimescaleSinkConfig fromEnv(Env env, int consumers) {
        String audit = env.string("TOPIC_QUERY_AUDIT", Topics.QUERY_AUDIT.name());
        return new TimescaleSinkConfig(
                env.string("POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/compliance"),
                env.string("POSTGRES_USER", "pipeline"),
                env.secret("POSTGRES_PASSWORD", ""),
                env.integer("POSTGRES_POOL_SIZE", consumers + 2, 1, 200),
                env.choice("TIMESCALE_MODE", TimeSeriesLayout.Mode.AUTO, TimeSeriesLayout.Mode.class).name().toLowerCase(java.util.Locale.ROOT),
                env.duration("TIMESCALE_CHUNK_INTERVAL", Duration.ofDays(7)),
                env.duration("TIMESCALE_COMPRESS_AFTER", Duration.ofDays(30)),
                env.duration("HISTORY_RETENTION", Duration.ZERO),
                env.duration("ROLLUP_REFRESH", Duration.ofMinutes(1)),
                env.string("TOPIC_ENRICHED", Topics.ENRICHED.name()),
                env.string("TOPIC_CONTROL_STATUS", Topics.CONTROL_STATUS.name()),
                env.string("TOPIC_SCORES", Topics.SCORES.name()),
                env.string("TOPIC_STATS_HOURLY", Topics.STATS_HOURLY.name()),
                audit.equalsIgnoreCase("none") ? null : audit);
    }

    public List<String> topics() {
        return auditTopic == null ? List.of(enrichedTopic, controlStatusTopic, scoresTopic, statsTopic)
                : List.of(enrichedTopic, controlStatusTopic, scoresTopic, statsTopic, auditTopic);
    }
}
