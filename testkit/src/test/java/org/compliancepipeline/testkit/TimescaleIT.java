package org.compliancepipeline.testkit;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The TimescaleDB path: extension, hypertable, COPY, time_bucket. Skipped, with the reason, without Docker. */
@RequiresTimescale
class TimescaleIT {

    @Test
    void hypertableTakesCopyAndBucketsByTime(Timescale ts) throws Exception {
        try (Connection c = DriverManager.getConnection(ts.jdbcUrl(), ts.user(), ts.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
            st.execute("DROP TABLE IF EXISTS it_observations");
            st.execute("CREATE TABLE it_observations (observed_at timestamptz NOT NULL, org_id text NOT NULL, passed boolean NOT NULL)");
            st.execute("SELECT create_hypertable('it_observations', by_range('observed_at', INTERVAL '1 day'))");
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 48 * 60; i++) {
                rows.append(java.time.Instant.parse("2026-11-24T00:00:00Z").plusSeconds(60L * i)).append('\t')
                        .append("acme").append('\t').append(i % 4 != 0).append('\n');
            }
            long copied = c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY it_observations FROM STDIN", new StringReader(rows.toString()));
            assertThat(copied).isEqualTo(48 * 60);
            try (ResultSet rs = st.executeQuery("""
                    SELECT time_bucket('1 day', observed_at) AS day, avg(passed::int) AS pass_rate
                    FROM it_observations GROUP BY day ORDER BY day""")) {
                int days = 0;
                while (rs.next()) {
                    days++;
                    assertThat(rs.getDouble("pass_rate")).isEqualTo(0.75);
                }
                assertThat(days).isEqualTo(2);
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'it_observations'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
    }
}
