package org.compliancepipeline.testkit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class against a real TimescaleDB ({@code timescale/timescaledb}, PostgreSQL 17) started
 * with Testcontainers; declare a {@link Timescale} parameter. TimescaleDB cannot be installed
 * without Docker (no Debian package, no Maven artifact), so where no Docker engine answers the
 * tests are <em>skipped</em>, visibly, with that reason. {@code TIMESCALE_URL},
 * {@code TIMESCALE_USER} and {@code TIMESCALE_PASSWORD} point the tests at an existing server instead.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(TimescaleExtension.class)
@Tag("timescale")
public @interface RequiresTimescale {
}
