package db.migration;

import org.compliancepipeline.sink.timescale.TimeSeriesLayout;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

import java.sql.Statement;

/**
 * The time-series layout, chosen once by what the server offers: TimescaleDB hypertables,
 * compression and continuous aggregates when the extension is available, the nearest plain
 * PostgreSQL equivalents otherwise. Both expose the same view names, so readers never care.
 */
public class V2__Time_series_layout extends BaseJavaMigration {

    @Override
    public void migrate(Context context) throws Exception {
        var placeholders = context.getConfiguration().getPlaceholders();
        boolean timescale = TimeSeriesLayout.useTimescale(context.getConnection(), placeholders.getOrDefault("timescaleMode", "auto"));
        String chunk = placeholders.getOrDefault("chunkInterval", "7 days");
        try (Statement st = context.getConnection().createStatement()) {
            if (timescale) {
                st.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
                // A hypertable's unique keys must contain its time column.
                st.execute("ALTER TABLE compliance_records ADD PRIMARY KEY (record_id, observed_at)");
                st.execute("SELECT create_hypertable('compliance_records', by_range('observed_at', INTERVAL '" + chunk + "'))");
                st.execute("SELECT create_hypertable('compliance_scores', by_range('updated_at', INTERVAL '" + chunk + "'))");
                st.execute("SELECT create_hypertable('compliance_stats_hourly', by_range('window_start', INTERVAL '" + chunk + "'))");
                st.execute("ALTER TABLE compliance_records SET (timescaledb.compress, timescaledb.compress_segmentby = 'org_id', "
                        + "timescaledb.compress_orderby = 'observed_at DESC')");
                st.execute(aggregate("daily_pass_rate_org_agg", "org_id, framework", true));
                st.execute(aggregate("daily_pass_rate_family_agg", "org_id, framework, COALESCE(family, 'unknown') AS family", true));
            } else {
                st.execute("ALTER TABLE compliance_records ADD PRIMARY KEY (record_id)");
                // Records arrive roughly in time order: a BRIN index is tiny and prunes time ranges well.
                st.execute("CREATE INDEX compliance_records_observed_brin ON compliance_records USING brin (observed_at)");
                st.execute("CREATE INDEX compliance_scores_time_brin ON compliance_scores USING brin (updated_at)");
                st.execute(aggregate("daily_pass_rate_org_agg", "org_id, framework", false));
                st.execute("CREATE UNIQUE INDEX daily_pass_rate_org_agg_key ON daily_pass_rate_org_agg (day, org_id, framework)");
                st.execute(aggregate("daily_pass_rate_family_agg", "org_id, framework, COALESCE(family, 'unknown') AS family", false));
                st.execute("CREATE UNIQUE INDEX daily_pass_rate_family_agg_key ON daily_pass_rate_family_agg (day, org_id, framework, family)");
            }
            st.execute(passRateView("daily_pass_rate_org", "daily_pass_rate_org_agg", "org_id, framework"));
            st.execute(passRateView("daily_pass_rate_family", "daily_pass_rate_family_agg", "org_id, framework, family"));
            st.execute("COMMENT ON VIEW daily_pass_rate_org IS 'Records per day and org/framework by status; pass_rate = satisfied / "
                    + "(satisfied + partially_satisfied + not_satisfied). Layout: " + (timescale ? "timescaledb" : "postgresql") + "'");
        }
    }

    private static String aggregate(String name, String groupColumns, boolean continuous) {
        String groupBy = groupColumns.replace("COALESCE(family, 'unknown') AS family", "COALESCE(family, 'unknown')");
        String bucket = continuous ? "time_bucket(INTERVAL '1 day', observed_at)" : "date_trunc('day', observed_at)";
        return "CREATE MATERIALIZED VIEW " + name + (continuous ? " WITH (timescaledb.continuous)" : "") + " AS "
                + "SELECT " + bucket + " AS day, " + groupColumns + ", count(*) AS records, "
                + "count(*) FILTER (WHERE status = 'SATISFIED') AS satisfied, "
                + "count(*) FILTER (WHERE status = 'PARTIALLY_SATISFIED') AS partially_satisfied, "
                + "count(*) FILTER (WHERE status = 'NOT_SATISFIED') AS not_satisfied, "
                + "count(*) FILTER (WHERE status = 'NOT_APPLICABLE') AS not_applicable, "
                + "count(*) FILTER (WHERE status = 'UNKNOWN') AS unknown "
                + "FROM compliance_records GROUP BY " + bucket + ", " + groupBy
                + (continuous ? " WITH NO DATA" : "");
    }

    private static String passRateView(String name, String aggregate, String columns) {
        return "CREATE VIEW " + name + " AS SELECT day, " + columns + ", records, satisfied, partially_satisfied, not_satisfied, "
                + "not_applicable, unknown, satisfied::double precision / NULLIF(satisfied + partially_satisfied + not_satisfied, 0) AS pass_rate "
                + "FROM " + aggregate;
    }
}
