package org.compliancepipeline.sink.timescale;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.testkit.RequiresTimescale;
import org.compliancepipeline.testkit.Timescale;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TimescaleDB layout on a real TimescaleDB (timescale/timescaledb, PostgreSQL 17): hypertables,
 * compression segmented by org, retention, continuous aggregates with refresh policies, and the
 * same view names as on plain PostgreSQL. Skipped, with the reason, where no Docker engine answers.
 */
@RequiresTimescale
class TimescaleLayoutIT {

    @Test
    void migrationsBuildTheTimescaleLayoutAndTheViewsAnswer(Timescale ts) throws Exception {
        TimescaleSinkConfig config = new TimescaleSinkConfig(ts.jdbcUrl(), ts.user(), new org.compliancepipeline.platform.config.Secret(ts.password()),
                2, "on", Duration.ofDays(1), Duration.ofDays(14), Duration.ofDays(400), Duration.ofMinutes(5),
                "e", "s", "sc", "st");
        try (var ds = TimescaleSink.dataSource(config, new SimpleMeterRegistry())) {
            TimescaleSink.migrate(ds, config);
            assertThat(TimeSeriesLayout.isTimescale(ds)).isTrue();
            TimeSeriesLayout.applyTimescalePolicies(ds, config);
            TimeSeriesLayout.applyTimescalePolicies(ds, config); // idempotent

            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                assertThat(names(st, "SELECT hypertable_name FROM timescaledb_information.hypertables"))
                        .contains("compliance_records", "compliance_scores", "compliance_stats_hourly");
                assertThat(names(st, "SELECT view_name FROM timescaledb_information.continuous_aggregates"))
                        .contains("daily_pass_rate_org_agg", "daily_pass_rate_family_agg");
                assertThat(names(st, "SELECT proc_name || ':' || hypertable_name FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL"))
                        .contains("policy_compression:compliance_records", "policy_retention:compliance_records");
                assertThat(names(st, "SELECT attname FROM timescaledb_information.compression_settings WHERE hypertable_name = 'compliance_records' AND segmentby_column_index IS NOT NULL"))
                        .containsExactly("org_id");
            }

            TimescaleWriter writer = new TimescaleWriter(ds, "it");
            List<SinkRecord<Object>> batch = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                EnrichedRecord e = Enriched.of(i);
                batch.add(new SinkRecord<>("e", 0, i, 0L, null, new byte[1], (Object) e, null));
            }
            writer.write(batch);
            writer.write(batch); // a replay changes nothing
            writer.close();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("CALL refresh_continuous_aggregate('daily_pass_rate_org_agg', NULL, NULL)");
                st.execute("CALL refresh_continuous_aggregate('daily_pass_rate_family_agg', NULL, NULL)");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM compliance_records")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(1_000);
                }
                try (ResultSet rs = st.executeQuery("SELECT sum(records), sum(satisfied) FROM daily_pass_rate_org")) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(1_000);
                    assertThat(rs.getLong(2)).isEqualTo(200);
                }
            }
        }
    }

    private static Set<String> names(Statement st, String sql) throws Exception {
        Set<String> out = new TreeSet<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) out.add(rs.getString(1));
        }
        return out;
    }
}
