package org.compliancepipeline.sink.timescale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;

/**
 * Time-series policies that follow the configuration (applied idempotently at every start) and, on
 * plain PostgreSQL, the work TimescaleDB would do in the background: refreshing the daily rollups
 * and deleting records older than the retention.
 */
public final class TimeSeriesLayout {
    private static final Logger log = LoggerFactory.getLogger(TimeSeriesLayout.class);

    public enum Mode { AUTO, ON, OFF }

    private TimeSeriesLayout() { }

    /** Whether to use TimescaleDB: {@code on} requires it, {@code off} never uses it, {@code auto} uses it when available. */
    public static boolean useTimescale(Connection c, String mode) throws SQLException {
        boolean available;
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")) {
            rs.next();
            available = rs.getInt(1) > 0;
        }
        return switch (mode.toLowerCase()) {
            case "on" -> {
                if (!available) throw new SQLException("TIMESCALE_MODE=on but the timescaledb extension is not available on this server");
                yield true;
            }
            case "off" -> false;
            default -> available;
        };
    }

    /** True when the schema was laid out with TimescaleDB (whatever the server offers now). */
    public static boolean isTimescale(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    /** Chunk interval, compression, retention and refresh policies from the configuration. */
    public static void applyTimescalePolicies(DataSource ds, TimescaleSinkConfig config) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            String chunk = interval(config.chunkInterval());
            for (String t : new String[]{"compliance_records", "compliance_scores", "compliance_stats_hourly"}) {
                st.execute("SELECT set_chunk_time_interval('" + t + "', INTERVAL '" + chunk + "')");
            }
            st.execute("SELECT remove_compression_policy('compliance_records', if_exists => true)");
            st.execute("SELECT add_compression_policy('compliance_records', INTERVAL '" + interval(config.compressAfter()) + "')");
            for (String t : new String[]{"compliance_records", "compliance_scores", "compliance_stats_hourly"}) {
                st.execute("SELECT remove_retention_policy('" + t + "', if_exists => true)");
                if (!config.retention().isZero()) {
                    st.execute("SELECT add_retention_policy('" + t + "', INTERVAL '" + interval(config.retention()) + "')");
                }
            }
            for (String view : new String[]{"daily_pass_rate_org_agg", "daily_pass_rate_family_agg"}) {
                st.execute("SELECT remove_continuous_aggregate_policy('" + view + "', if_exists => true)");
                st.execute("SELECT add_continuous_aggregate_policy('" + view + "', start_offset => INTERVAL '30 days', "
                        + "end_offset => NULL, schedule_interval => INTERVAL '" + interval(config.rollupRefresh()) + "')");
            }
        }
        log.info("timescaledb policies: chunk {}, compress after {}, retention {}, rollup refresh {}",
                config.chunkInterval(), config.compressAfter(), config.retention().isZero() ? "none" : config.retention(), config.rollupRefresh());
    }

    /** Plain PostgreSQL: refresh the daily rollups without blocking readers. */
    public static void refreshRollups(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
            st.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_pass_rate_org_agg");
            st.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY daily_pass_rate_family_agg");
        }
    }

    /** Plain PostgreSQL: delete what is older than the retention, in slices so locks stay short. */
    public static long enforceRetention(DataSource ds, Duration retention) throws SQLException {
        if (retention.isZero()) return 0;
        Instant cutoff = Instant.now().minus(retention);
        long deleted = 0;
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            try (var ps = c.prepareStatement("DELETE FROM compliance_records WHERE ctid = ANY (ARRAY(SELECT ctid FROM compliance_records "
                    + "WHERE observed_at < ? LIMIT 10000))")) {
                ps.setObject(1, java.sql.Timestamp.from(cutoff));
                int n;
                do { n = ps.executeUpdate(); deleted += n; } while (n > 0);
            }
            try (var ps = c.prepareStatement("DELETE FROM compliance_scores WHERE updated_at < ?")) {
                ps.setObject(1, java.sql.Timestamp.from(cutoff));
                deleted += ps.executeUpdate();
            }
            try (var ps = c.prepareStatement("DELETE FROM compliance_stats_hourly WHERE window_start < ?")) {
                ps.setObject(1, java.sql.Timestamp.from(cutoff));
                deleted += ps.executeUpdate();
            }
        }
        return deleted;
    }

    static String interval(Duration d) {
        return d.toSeconds() + " seconds";
    }
}
