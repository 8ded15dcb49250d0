package org.compliancepipeline.testkit;

import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A table with real types, filled with COPY FROM STDIN, on a real PostgreSQL. */
@RealInfra
class PostgresCopyIT {

    @Test
    void copyLoadsRowsWithRealTypes(Infra infra) throws Exception {
        String table = "it_copy_" + UUID.randomUUID().toString().replace("-", "");
        try (Connection c = DriverManager.getConnection(infra.postgresUrl(), infra.postgresUser(), infra.postgresPassword());
             Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE %s (
                      record_id text PRIMARY KEY,
                      org_id text NOT NULL,
                      status text NOT NULL CHECK (status IN ('SATISFIED','NOT_SATISFIED','PARTIALLY_SATISFIED','NOT_APPLICABLE','UNKNOWN')),
                      observed_at timestamptz NOT NULL,
                      tags jsonb NOT NULL DEFAULT '{}',
                      evidence_uris text[] NOT NULL DEFAULT '{}')""".formatted(table));
            try {
                StringBuilder csv = new StringBuilder();
                Instant t0 = Instant.parse("2026-11-25T08:00:00Z");
                int rows = 10_000;
                for (int i = 0; i < rows; i++) {
                    csv.append("r-").append(i).append('\t').append("org-").append(i % 10).append('\t')
                            .append(i % 3 == 0 ? "NOT_SATISFIED" : "SATISFIED").append('\t')
                            .append(t0.plusSeconds(i)).append('\t')
                            .append("{\"env\": \"prod\", \"n\": \"").append(i).append("\"}").append('\t')
                            .append("{https://evidence.example/").append(i).append("}\n");
                }
                long copied = c.unwrap(PGConnection.class).getCopyAPI()
                        .copyIn("COPY " + table + " FROM STDIN", new StringReader(csv.toString()));
                assertThat(copied).isEqualTo(rows);

                try (ResultSet rs = st.executeQuery("SELECT count(*), count(*) FILTER (WHERE status = 'NOT_SATISFIED') FROM " + table)) {
                    rs.next();
                    assertThat(rs.getLong(1)).isEqualTo(rows);
                    assertThat(rs.getLong(2)).isEqualTo(3334);
                }
                try (ResultSet rs = st.executeQuery(
                        "SELECT observed_at, tags->>'n', evidence_uris[1] FROM " + table + " WHERE record_id = 'r-42'")) {
                    rs.next();
                    assertThat(rs.getObject(1, OffsetDateTime.class).toInstant()).isEqualTo(t0.plusSeconds(42));
                    assertThat(rs.getObject(1, OffsetDateTime.class).getOffset()).isEqualTo(ZoneOffset.UTC);
                    assertThat(rs.getString(2)).isEqualTo("42");
                    assertThat(rs.getString(3)).isEqualTo("https://evidence.example/42");
                }
            } finally {
                st.execute("DROP TABLE " + table);
            }
        }
    }
}
