package org.compliancepipeline.testkit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test class against real servers: declare an {@link Infra} parameter (constructor, test or
 * lifecycle method) to receive their endpoints.
 *
 * <p>Where they come from, in order:
 * <ol>
 *   <li>{@code PIPELINE_TEST_INFRA=local|testcontainers} forces one;</li>
 *   <li>the local infrastructure of {@code bin/infra} when it already answers;</li>
 *   <li>Testcontainers when a Docker engine answers;</li>
 *   <li>otherwise {@code bin/infra up} is run (it installs what is missing) and its servers are used.</li>
 * </ol>
 * Resolved once per JVM and shared by every test class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealInfraExtension.class)
@Tag("integration")
public @interface RealInfra {
}
