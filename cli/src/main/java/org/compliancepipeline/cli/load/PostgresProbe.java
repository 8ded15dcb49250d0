package org.compliancepipeline.cli.load;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/** sink-timescale's {@code compliance_records}, by primary key. */
public final class PostgresProbe implements StoreProbe {
    private final Connection connection;
    private final PreparedStatement query;

    public PostgresProbe(String jdbcUrl, String user, String password) throws SQLException {
        connection = DriverManager.getConnection(jdbcUrl, user, password);
        query = connection.prepareStatement("SELECT record_id FROM compliance_records WHERE record_id = ANY(?)");
    }

    @Override
    public String name() {
        return "postgresql";
    }

    @Override
    public Set<String> visible(Collection<String> recordIds) throws SQLException {
        Array ids = connection.createArrayOf("text", recordIds.toArray());
        query.setArray(1, ids);
        Set<String> found = new HashSet<>();
        try (ResultSet rs = query.executeQuery()) {
            while (rs.next()) found.add(rs.getString(1));
        }
        return found;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a probe connection at the end of a run: nothing to do about a failure
        }
    }
}
