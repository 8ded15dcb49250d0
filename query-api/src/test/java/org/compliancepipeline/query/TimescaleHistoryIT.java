package org.compliancepipeline.query;

import org.compliancepipeline.platform.config.Secret;
import org.compliancepipeline.query.store.HistoryStore;
import org.compliancepipeline.testkit.RequiresTimescale;
import org.compliancepipeline.testkit.Timescale;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The timeseries on a real TimescaleDB (the schema laid out by sink-timescale's migrations with the
 * extension): daily buckets from the continuous aggregate, hourly ones with time_bucket. Skipped,
 * with the reason, where no Docker engine answers.
 */
@RequiresTimescale
class TimescaleHistoryIT {

    @Test
    void seriesComeFromTheContinuousAggregateAndTimeBucket(Timescale ts) throws Exception {
        Flyway.configure().dataSource(ts.jdbcUrl(), ts.user(), ts.password()).locations("classpath:db/migration")
                .placeholders(Map.of("timescaleMode", "on", "chunkInterval", "86400 seconds")).load().migrate();
        Instant day = Instant.now().truncatedTo(ChronoUnit.DAYS).minus(1, ChronoUnit.DAYS);
        try (Connection c = DriverManager.getConnection(ts.jdbcUrl(), ts.user(), ts.password()); Statement st = c.createStatement()) {
            st.execute("INSERT INTO compliance_scores VALUES ('acme', 'fw', '" + day.plusSeconds(3600) + "', 40, 40, 100, 1, 0, 1, 0, 0), "
                    + "('acme', 'fw', '" + day.plusSeconds(7200) + "', 55, 55, 100, 1, 0, 1, 0, 0)");
            for (int i = 0; i < 4; i++) {
                st.execute("INSERT INTO compliance_records (record_id, org_id, framework, control_id, status, observed_at, source, method, "
                        + "ingested_at, enriched_at) VALUES ('r" + i + "', 'acme', 'fw', 'ac-1', '" + (i < 3 ? "SATISFIED" : "NOT_SATISFIED")
                        + "', '" + day.plusSeconds(3600 + i) + "', 's', 'TEST', now(), now())");
            }
            st.execute("INSERT INTO compliance_stats_hourly (org_id, framework, status, family, window_start, window_end, count) VALUES "
                    + "('acme', 'fw', 'SATISFIED', 'ac', '" + day.plusSeconds(3600) + "', '" + day.plusSeconds(7200) + "', 3), "
                    + "('acme', 'fw', 'NOT_SATISFIED', 'ac', '" + day.plusSeconds(3600) + "', '" + day.plusSeconds(7200) + "', 1)");
            st.execute("CALL refresh_continuous_aggregate('daily_pass_rate_org_agg', NULL, NULL)");
        }
        try (HistoryStore history = new HistoryStore(ts.jdbcUrl(), ts.user(), new Secret(ts.password()), 2, Duration.ofSeconds(5), null)) {
            assertThat(history.timescale()).isTrue();
            HistoryStore.Series daily = history.timeseries("acme", "fw", day.minus(1, ChronoUnit.DAYS), day.plus(1, ChronoUnit.DAYS), Duration.ofDays(1));
            assertThat(daily.method()).isEqualTo(HistoryStore.Method.CONTINUOUS_AGGREGATE);
            assertThat(daily.points()).hasSize(1);
            assertThat(daily.points().getFirst().score()).isEqualTo(55.0);
            assertThat(daily.points().getFirst().passRate()).isEqualTo(0.75);

            HistoryStore.Series hourly = history.timeseries("acme", "fw", day, day.plus(1, ChronoUnit.DAYS), Duration.ofHours(1));
            assertThat(hourly.method()).isEqualTo(HistoryStore.Method.TIME_BUCKET);
            assertThat(hourly.points()).extracting(HistoryStore.Point::score).containsExactly(40.0, 55.0);
            assertThat(hourly.points().getFirst().passRate()).isEqualTo(0.75);
        }
    }
}
