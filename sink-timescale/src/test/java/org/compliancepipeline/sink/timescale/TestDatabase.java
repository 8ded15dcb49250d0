package org.compliancepipeline.sink.timescale;

import org.compliancepipeline.testkit.Infra;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** A database of the test's own on the real PostgreSQL server, dropped at the end. */
final class TestDatabase implements AutoCloseable {
    final String name = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final String url;
    private final Infra infra;
    private final String adminUrl;

    TestDatabase(Infra infra) throws SQLException {
        this.infra = infra;
        this.adminUrl = infra.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/postgres$1");
        this.url = infra.postgresUrl().replaceFirst("/[^/?]+(\\?|$)", "/" + name + "$1");
        try (Connection c = DriverManager.getConnection(adminUrl, infra.postgresUser(), infra.postgresPassword());
             Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, infra.postgresUser(), infra.postgresPassword());
    }

    TimescaleSinkConfig config(String suffix) {
        return new TimescaleSinkConfig(url, infra.postgresUser(), new org.compliancepipeline.platform.config.Secret(infra.postgresPassword()),
                4, "off", java.time.Duration.ofDays(7), java.time.Duration.ofDays(30), java.time.Duration.ZERO,
                java.time.Duration.ofSeconds(1),
                "it.enriched." + suffix, "it.control-status." + suffix, "it.scores." + suffix, "it.stats." + suffix);
    }

    long count(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DriverManager.getConnection(adminUrl, infra.postgresUser(), infra.postgresPassword());
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
