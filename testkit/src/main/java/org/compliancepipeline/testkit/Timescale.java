package org.compliancepipeline.testkit;

/** A TimescaleDB server (the {@code timescale/timescaledb} image) for tests of the TimescaleDB path. */
public record Timescale(String jdbcUrl, String user, String password) {
}
