package org.compliancepipeline.sink.timescale;

import org.apache.kafka.common.TopicPartition;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.QueryAudit;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.SinkWriter;
import org.compliancepipeline.sink.runtime.WriteResult;
import org.postgresql.PGConnection;

import javax.sql.DataSource;
import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one batch in one transaction: enriched records, control status, scores, hourly stats, and
 * the Kafka positions the batch reaches ({@code sink_offsets}). A crash before the commit leaves
 * nothing; after it, the positions say exactly where to resume: every row exactly once.
 *
 * <p>Enriched records take the fastest idempotent path measured: a binary COPY straight into the table
 * under a savepoint; only when some rows already exist (a replay) does it fall back to COPY into a
 * temporary staging table and {@code INSERT ... ON CONFLICT DO NOTHING}.
 */
final class TimescaleWriter implements SinkWriter<Object> {
    private final DataSource dataSource;
    private final String consumerGroup;
    private final CopyBinary copy = new CopyBinary(RecordRows.FIELDS);
    private final EnrichedTranscoder transcoder = new EnrichedTranscoder();
    private Connection connection;
    private boolean stagingCreated;
    long directCopies;
    long stagedCopies;

    TimescaleWriter(DataSource dataSource, String consumerGroup) {
        this.dataSource = dataSource;
        this.consumerGroup = consumerGroup;
    }

    @Override
    public WriteResult<Object> write(List<SinkRecord<Object>> records) throws Exception {
        List<Object> enriched = new ArrayList<>();
        Map<String, SinkRecord<Object>> statuses = new LinkedHashMap<>();
        List<ComplianceScore> scores = new ArrayList<>();
        Map<String, ComplianceStats> stats = new LinkedHashMap<>();
        List<QueryAudit> audits = new ArrayList<>();
        Map<TopicPartition, Long> positions = new HashMap<>();
        for (SinkRecord<Object> r : records) {
            positions.merge(r.topicPartition(), r.offset() + 1, Math::max);
            switch (r.value()) {
                case RawEnriched e -> enriched.add(e);
                case EnrichedRecord e -> enriched.add(e);
                case ControlStatus s -> statuses.merge(r.keyString() != null ? r.keyString() : s.getOrgId() + "/" + s.getFramework() + "/" + s.getControlId(),
                        r, TimescaleWriter::newerStatus);
                case ComplianceScore s -> scores.add(s);
                case ComplianceStats s -> stats.put(s.getOrgId() + "/" + s.getFramework() + "/" + s.getStatus() + "/" + s.getFamily() + "@"
                        + s.getWindowStart().toEpochMilli(), s); // later offset wins
                case QueryAudit a -> audits.add(a);
                case null -> {
                    if (r.keyString() != null && r.keyString().split("/").length == 3) statuses.put(r.keyString(), r); // tombstone
                }
                default -> throw new IllegalArgumentException("unexpected record type " + r.value().getClass().getName() + " on " + r.topic());
            }
        }
        Connection c = connection();
        try {
            if (!enriched.isEmpty()) writeRecords(c, enriched);
            if (!statuses.isEmpty()) writeStatuses(c, statuses.values());
            if (!scores.isEmpty()) writeScores(c, scores);
            if (!stats.isEmpty()) writeStats(c, stats.values());
            if (!audits.isEmpty()) writeAudits(c, audits);
            writePositions(c, positions);
            c.commit();
        } catch (Exception e) {
            // The connection may be broken; the next batch starts on a fresh one from the pool.
            rollbackQuietly(c);
            closeConnection();
            throw e;
        }
        return WriteResult.complete();
    }

    private static SinkRecord<Object> newerStatus(SinkRecord<Object> a, SinkRecord<Object> b) {
        if (a.value() == null || b.value() == null) return b.offset() > a.offset() ? b : a;
        ControlStatus x = (ControlStatus) a.value();
        ControlStatus y = (ControlStatus) b.value();
        int cmp = x.getObservedAt().compareTo(y.getObservedAt());
        if (cmp == 0) cmp = x.getRecordId().compareTo(y.getRecordId());
        return cmp >= 0 ? a : b;
    }

    private void writeRecords(Connection c, List<Object> enriched) throws SQLException {
        copy.clear();
        for (Object e : enriched) {
            if (e instanceof RawEnriched raw) transcoder.append(copy, raw.bytes());
            else RecordRows.append(copy, (EnrichedRecord) e);
        }
        byte[] rows = copy.finish();
        Savepoint beforeCopy = c.setSavepoint();
        try {
            copyIn(c, "COPY compliance_records (" + RecordRows.COLUMNS + ") FROM STDIN (FORMAT binary)", rows);
            c.releaseSavepoint(beforeCopy);
            directCopies++;
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState())) throw e;
            // Some rows are stored already (a replay): keep the new ones only.
            c.rollback(beforeCopy);
            if (!stagingCreated) {
                try (Statement st = c.createStatement()) {
                    st.execute("CREATE TEMP TABLE IF NOT EXISTS staging_records (LIKE compliance_records INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
                }
                stagingCreated = true;
            }
            copyIn(c, "COPY staging_records (" + RecordRows.COLUMNS + ") FROM STDIN (FORMAT binary)", rows);
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO compliance_records (" + RecordRows.COLUMNS + ") SELECT " + RecordRows.COLUMNS
                        + " FROM staging_records ON CONFLICT DO NOTHING");
                st.execute("TRUNCATE staging_records");
            }
            stagedCopies++;
        }
    }

    private static void copyIn(Connection c, String sql, byte[] rows) throws SQLException {
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new ByteArrayInputStream(rows), 1 << 16);
        } catch (java.io.IOException e) {
            throw new SQLRecoverableException("COPY stream failed: " + e.getMessage(), "08006", e);
        }
    }

    private static void writeStatuses(Connection c, Collection<SinkRecord<Object>> statuses) throws SQLException {
        try (PreparedStatement upsert = c.prepareStatement("""
                INSERT INTO control_status (org_id, framework, control_id, status, observed_at, record_id, score, family, weight, updated_at)
                VALUES (?, ?, ?, ?::compliance_status, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (org_id, framework, control_id) DO UPDATE SET
                  status = EXCLUDED.status, observed_at = EXCLUDED.observed_at, record_id = EXCLUDED.record_id,
                  score = EXCLUDED.score, family = EXCLUDED.family, weight = EXCLUDED.weight, updated_at = EXCLUDED.updated_at
                WHERE (EXCLUDED.observed_at, status_severity(EXCLUDED.status), EXCLUDED.record_id COLLATE "C")
                    > (control_status.observed_at, status_severity(control_status.status), control_status.record_id COLLATE "C")""");
             PreparedStatement delete = c.prepareStatement("DELETE FROM control_status WHERE org_id = ? AND framework = ? AND control_id = ?")) {
            for (SinkRecord<Object> r : statuses) {
                if (r.value() == null) {
                    String[] k = r.keyString().split("/");
                    delete.setString(1, k[0]);
                    delete.setString(2, k[1]);
                    delete.setString(3, k[2]);
                    delete.addBatch();
                    continue;
                }
                ControlStatus s = (ControlStatus) r.value();
                upsert.setString(1, s.getOrgId());
                upsert.setString(2, s.getFramework());
                upsert.setString(3, s.getControlId());
                upsert.setString(4, s.getStatus().name());
                upsert.setTimestamp(5, Timestamp.from(s.getObservedAt()));
                upsert.setString(6, s.getRecordId());
                upsert.setObject(7, s.getScore());
                upsert.setString(8, s.getFamily());
                upsert.setDouble(9, s.getWeight());
                upsert.setTimestamp(10, Timestamp.from(s.getUpdatedAt()));
                upsert.addBatch();
            }
            upsert.executeBatch();
            delete.executeBatch();
        }
    }

    private static void writeScores(Connection c, List<ComplianceScore> scores) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO compliance_scores (org_id, framework, updated_at, score, satisfied_weight, applicable_weight,
                  controls_satisfied, controls_partially_satisfied, controls_not_satisfied, controls_not_applicable, controls_unknown)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
            for (ComplianceScore s : scores) {
                ps.setString(1, s.getOrgId());
                ps.setString(2, s.getFramework());
                ps.setTimestamp(3, Timestamp.from(s.getUpdatedAt()));
                ps.setDouble(4, s.getScore());
                ps.setDouble(5, s.getSatisfiedWeight());
                ps.setDouble(6, s.getApplicableWeight());
                ps.setInt(7, s.getControlsSatisfied());
                ps.setInt(8, s.getControlsPartiallySatisfied());
                ps.setInt(9, s.getControlsNotSatisfied());
                ps.setInt(10, s.getControlsNotApplicable());
                ps.setInt(11, s.getControlsUnknown());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void writeStats(Connection c, Collection<ComplianceStats> stats) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO compliance_stats_hourly (org_id, framework, status, family, window_start, window_end, count, updated_at)
                VALUES (?, ?, ?::compliance_status, ?, ?, ?, ?, now())
                ON CONFLICT (org_id, framework, status, family, window_start) DO UPDATE SET
                  count = EXCLUDED.count, window_end = EXCLUDED.window_end, updated_at = now()""")) {
            for (ComplianceStats s : stats) {
                ps.setString(1, s.getOrgId());
                ps.setString(2, s.getFramework());
                ps.setString(3, s.getStatus().name());
                ps.setString(4, s.getFamily());
                ps.setTimestamp(5, Timestamp.from(s.getWindowStart()));
                ps.setTimestamp(6, Timestamp.from(s.getWindowEnd()));
                ps.setLong(7, s.getCount());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** The query API's audit trail; a query is stored once, whatever the replays. */
    private static void writeAudits(Connection c, List<QueryAudit> audits) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO query_audit (query_id, key_id, route, parameters, org_scope, status, result_count, source, duration_micros, at)
                VALUES (?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (query_id) DO NOTHING""")) {
            for (QueryAudit a : audits) {
                StringBuilder parameters = new StringBuilder("{");
                new java.util.TreeMap<>(a.getParameters()).forEach((k, v) -> {
                    if (parameters.length() > 1) parameters.append(',');
                    JsonText.string(parameters, k);
                    parameters.append(':');
                    JsonText.string(parameters, v);
                });
                ps.setString(1, a.getQueryId());
                ps.setString(2, a.getKeyId());
                ps.setString(3, a.getRoute());
                ps.setString(4, parameters.append('}').toString());
                ps.setArray(5, c.createArrayOf("text", a.getOrgScope().toArray()));
                ps.setInt(6, a.getStatus());
                ps.setLong(7, a.getResultCount());
                ps.setString(8, a.getSource());
                ps.setLong(9, a.getDurationMicros());
                ps.setTimestamp(10, Timestamp.from(a.getAt()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private void writePositions(Connection c, Map<TopicPartition, Long> positions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset, updated_at) VALUES (?, ?, ?, ?, now())
                ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
                  next_offset = GREATEST(sink_offsets.next_offset, EXCLUDED.next_offset), updated_at = now()""")) {
            for (var e : positions.entrySet()) {
                ps.setString(1, consumerGroup);
                ps.setString(2, e.getKey().topic());
                ps.setInt(3, e.getKey().partition());
                ps.setLong(4, e.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public Map<TopicPartition, Long> storedPositions(Collection<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, Long> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = ?")) {
            ps.setString(1, consumerGroup);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    TopicPartition tp = new TopicPartition(rs.getString(1), rs.getInt(2));
                    if (partitions.contains(tp)) out.put(tp, rs.getLong(3));
                }
            }
        }
        return out;
    }

    /**
     * Connection trouble, timeouts, deadlocks, serialization failures, lack of resources and a server
     * shutting down are the store's: retry. Data exceptions and integrity violations are the record's.
     */
    @Override
    public FailureKind classify(Throwable error) {
        if (error instanceof IllegalArgumentException || error instanceof ClassCastException) return FailureKind.POISON;
        if (error instanceof SQLTransientException || error instanceof SQLRecoverableException) return FailureKind.RETRYABLE;
        if (error instanceof SQLException sql) {
            String state = sql.getSQLState();
            if (state == null) return FailureKind.RETRYABLE;
            if (state.startsWith("22") || state.startsWith("23")) return FailureKind.POISON;
            return FailureKind.RETRYABLE;
        }
        return FailureKind.RETRYABLE;
    }

    private Connection connection() throws SQLException {
        if (connection != null && !connection.isClosed()) return connection;
        connection = dataSource.getConnection();
        connection.setAutoCommit(false);
        stagingCreated = false;
        return connection;
    }

    private void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // broken connection: closed by the caller
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // already broken
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }
}
