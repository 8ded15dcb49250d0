package org.compliancepipeline.query.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.platform.ops.HealthCheck;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads of the history sink-timescale keeps in PostgreSQL (its Flyway migrations own the schema):
 * the latest score, control statuses, one record, and score and pass-rate series. Series use
 * TimescaleDB's continuous aggregate and {@code time_bucket} where the schema was laid out with
 * TimescaleDB, and the same buckets with {@code date_bin} on plain PostgreSQL.
 */
public final class HistoryStore implements AutoCloseable {
    public static final String NAME = "postgresql";

    /** How a series was computed, reported with it. */
    public enum Method { CONTINUOUS_AGGREGATE, TIME_BUCKET, DATE_BIN }

    private final HikariDataSource ds;
    private volatile Boolean timescale;

    public HistoryStore(String url, String user, Secret password, int poolSize, Duration timeout, MeterRegistry registry) {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(url);
        h.setUsername(user);
        h.setPassword(password.value());
        h.setMaximumPoolSize(poolSize);
        h.setPoolName("query-api");
        h.setReadOnly(true);
        h.setConnectionTimeout(Math.max(250, timeout.toMillis()));
        h.setValidationTimeout(Math.max(250, Math.min(timeout.toMillis(), 3_000)));
        h.setInitializationFailTimeout(-1); // start while PostgreSQL is down: its routes answer 503 until it is back
        h.addDataSourceProperty("socketTimeout", String.valueOf(Math.max(1, timeout.toSeconds() * 5)));
        h.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, timeout.toSeconds())));
        h.addDataSourceProperty("tcpKeepAlive", "true");
        if (registry != null) h.setMetricRegistry(registry);
        this.ds = new HikariDataSource(h);
    }

    /** The newest row of compliance_scores for org/framework, as the cache's score fields; null when there is none. */
    public Map<String, String> latestScore(String org, String framework) {
        return query("SELECT score, satisfied_weight, applicable_weight, updated_at, controls_satisfied, controls_partially_satisfied, "
                + "controls_not_satisfied, controls_not_applicable, controls_unknown FROM compliance_scores "
                + "WHERE org_id = ? AND framework = ? ORDER BY updated_at DESC LIMIT 1", ps -> {
            ps.setString(1, org);
            ps.setString(2, framework);
        }, rs -> {
            if (!rs.next()) return null;
            Map<String, String> m = new LinkedHashMap<>();
            m.put("score", number(rs.getDouble(1)));
            m.put("satisfied", number(rs.getDouble(2)));
            m.put("applicable", number(rs.getDouble(3)));
            m.put("updatedAt", rs.getTimestamp(4).toInstant().toString());
            m.put("controlsSatisfied", String.valueOf(rs.getInt(5)));
            m.put("controlsPartiallySatisfied", String.valueOf(rs.getInt(6)));
            m.put("controlsNotSatisfied", String.valueOf(rs.getInt(7)));
            m.put("controlsNotApplicable", String.valueOf(rs.getInt(8)));
            m.put("controlsUnknown", String.valueOf(rs.getInt(9)));
            return m;
        });
    }

    /** One control's latest status, as the controls route shows it. */
    public record ControlRow(String controlId, String status, Instant observedAt, String recordId, Double score, String family, double weight) { }

    public List<ControlRow> controlStatuses(String org, String framework, String status) {
        String sql = "SELECT control_id, status::text, observed_at, record_id, score, family, weight FROM control_status "
                + "WHERE org_id = ? AND framework = ?" + (status == null ? "" : " AND status = ?::compliance_status") + " ORDER BY control_id";
        return query(sql, ps -> {
            ps.setString(1, org);
            ps.setString(2, framework);
            if (status != null) ps.setString(3, status);
        }, rs -> {
            List<ControlRow> out = new ArrayList<>();
            while (rs.next()) {
                double score = rs.getDouble(5);
                out.add(new ControlRow(rs.getString(1), rs.getString(2), rs.getTimestamp(3).toInstant(), rs.getString(4),
                        rs.wasNull() ? null : score, rs.getString(6), rs.getDouble(7)));
            }
            return out;
        });
    }

    /** One record as a map of camelCase fields, or null. */
    public Map<String, Object> record(String recordId) {
        return query("SELECT * FROM compliance_records WHERE record_id = ?", ps -> ps.setString(1, recordId), rs -> {
            if (!rs.next()) return null;
            ResultSetMetaData md = rs.getMetaData();
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                Object v = rs.getObject(i);
                if (v == null) continue;
                if (v instanceof Timestamp t) v = t.toInstant().toString();
                else if (v instanceof Array a) v = Arrays.asList((Object[]) a.getArray());
                else if (v instanceof org.postgresql.util.PGobject pg) v = new com.fasterxml.jackson.databind.ObjectMapper().readTree(pg.getValue());
                m.put(camel(md.getColumnName(i)), v);
            }
            return m;
        });
    }

    /** One bucket of a series. */
    public record Point(Instant bucket, Double score, Long satisfied, Long partiallySatisfied, Long notSatisfied, Long records) {
        public Double passRate() {
            if (satisfied == null) return null;
            long assessed = satisfied + partiallySatisfied + notSatisfied;
            return assessed == 0 ? null : (double) satisfied / assessed;
        }
    }

    public record Series(Method method, List<Point> points) { }

    /**
     * Score (the last score at the end of each bucket, carried forward through buckets without a change) and pass rate (records by status) of org/framework in
     * [from, to), per bucket of {@code bucket}.
     */
    public Series timeseries(String org, String framework, Instant from, Instant to, Duration bucket) {
        boolean ts = timescale();
        String interval = bucket.toSeconds() + " seconds";
        String scoreBucket = ts ? "time_bucket(?::interval, updated_at)" : "date_bin(?::interval, updated_at, TIMESTAMPTZ '2000-01-01')";
        Map<Instant, Double> scores = query("SELECT DISTINCT ON (b) " + scoreBucket + " AS b, score FROM compliance_scores "
                + "WHERE org_id = ? AND framework = ? AND updated_at >= ? AND updated_at < ? ORDER BY b, updated_at DESC", ps -> {
            ps.setString(1, interval);
            ps.setString(2, org);
            ps.setString(3, framework);
            ps.setTimestamp(4, Timestamp.from(from));
            ps.setTimestamp(5, Timestamp.from(to));
        }, rs -> {
            Map<Instant, Double> m = new TreeMap<>();
            while (rs.next()) m.put(rs.getTimestamp(1).toInstant(), rs.getDouble(2));
            return m;
        });
        Method method;
        String countsSql;
        if (ts && bucket.equals(Duration.ofDays(1))) {
            // The continuous aggregate TimescaleDB keeps up to date (sink-timescale's V2 migration).
            method = Method.CONTINUOUS_AGGREGATE;
            countsSql = "SELECT day AS b, satisfied, partially_satisfied, not_satisfied, records FROM daily_pass_rate_org "
                    + "WHERE ?::interval IS NOT NULL AND org_id = ? AND framework = ? AND day >= ? AND day < ? ORDER BY b";
        } else {
            method = ts ? Method.TIME_BUCKET : Method.DATE_BIN;
            String b = ts ? "time_bucket(?::interval, window_start)" : "date_bin(?::interval, window_start, TIMESTAMPTZ '2000-01-01')";
            countsSql = "SELECT " + b + " AS b, "
                    + "coalesce(sum(count) FILTER (WHERE status = 'SATISFIED'), 0), "
                    + "coalesce(sum(count) FILTER (WHERE status = 'PARTIALLY_SATISFIED'), 0), "
                    + "coalesce(sum(count) FILTER (WHERE status = 'NOT_SATISFIED'), 0), sum(count) "
                    + "FROM compliance_stats_hourly WHERE org_id = ? AND framework = ? AND window_start >= ? AND window_start < ? "
                    + "GROUP BY b ORDER BY b";
        }
        Map<Instant, long[]> counts = query(countsSql, ps -> {
            ps.setString(1, interval);
            ps.setString(2, org);
            ps.setString(3, framework);
            ps.setTimestamp(4, Timestamp.from(from));
            ps.setTimestamp(5, Timestamp.from(to));
        }, rs -> {
            Map<Instant, long[]> m = new TreeMap<>();
            while (rs.next()) m.put(rs.getTimestamp(1).toInstant(), new long[]{rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getLong(5)});
            return m;
        });
        // A bucket without a score change still has a score: the last one before it (carried forward).
        Double carried = query("SELECT score FROM compliance_scores WHERE org_id = ? AND framework = ? AND updated_at < ? "
                + "ORDER BY updated_at DESC LIMIT 1", ps -> {
            ps.setString(1, org);
            ps.setString(2, framework);
            ps.setTimestamp(3, Timestamp.from(from));
        }, rs -> rs.next() ? rs.getDouble(1) : null);
        TreeMap<Instant, long[]> buckets = new TreeMap<>(counts);
        scores.keySet().forEach(b -> buckets.putIfAbsent(b, null));
        List<Point> points = new ArrayList<>();
        for (var e : buckets.entrySet()) {
            Double score = scores.get(e.getKey());
            if (score != null) carried = score;
            long[] c = e.getValue();
            points.add(c == null ? new Point(e.getKey(), carried, null, null, null, null)
                    : new Point(e.getKey(), carried, c[0], c[1], c[2], c[3]));
        }
        return new Series(method, List.copyOf(points));
    }

    /** Whether the schema was laid out with TimescaleDB; asked once, when first needed. */
    public boolean timescale() {
        Boolean t = timescale;
        if (t == null) {
            t = query("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'", ps -> { }, rs -> rs.next() && rs.getInt(1) > 0);
            timescale = t;
        }
        return t;
    }

    public HealthCheck healthCheck() {
        return () -> {
            var pool = ds.getHikariPoolMXBean();
            return pool != null && pool.getTotalConnections() > 0 ? HealthCheck.Result.ready("PostgreSQL pool open")
                    : HealthCheck.Result.notReady("no connection to PostgreSQL yet");
        };
    }

    private interface Binder { void bind(PreparedStatement ps) throws SQLException; }

    private interface Reader<T> { T read(ResultSet rs) throws Exception; }

    private <T> T query(String sql, Binder binder, Reader<T> reader) {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                return reader.read(rs);
            }
        } catch (SQLException e) {
            if (unavailable(e)) throw new StoreDown(NAME, "PostgreSQL could not answer: " + e.getMessage(), e);
            throw new IllegalStateException("PostgreSQL refused the query: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the answer of PostgreSQL", e);
        }
    }

    /** Connection trouble, server shutting down or out of resources: the store is down, not the query wrong. */
    private static boolean unavailable(SQLException e) {
        String state = e.getSQLState();
        return e instanceof java.sql.SQLTransientConnectionException || state == null
                || state.startsWith("08") || state.startsWith("53") || state.startsWith("57P");
    }

    private static String camel(String column) {
        StringBuilder b = new StringBuilder();
        boolean up = false;
        for (char ch : column.toCharArray()) {
            if (ch == '_') { up = true; continue; }
            b.append(up ? Character.toUpperCase(ch) : ch);
            up = false;
        }
        return b.toString();
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.valueOf(d);
    }

    @Override
    public void close() {
        ds.close();
    }
}
