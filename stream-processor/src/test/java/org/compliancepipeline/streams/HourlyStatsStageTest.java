package org.compliancepipeline.streams;

import org.apache.kafka.streams.test.TestRecord;
import org.compliancepipeline.schemas.ComplianceStats;
import org.compliancepipeline.schemas.Keys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;
import static org.compliancepipeline.streams.PipelineDriver.NIST;
import static org.compliancepipeline.streams.PipelineDriver.record;

/**
 * Stage 7, hourly statistics: counts per (org, framework, status, family) in one-hour windows of
 * observedAt with a 10-minute grace. Records are sent at a wall clock ahead of their observedAt,
 * as assessments reach the pipeline after they are made.
 */
class HourlyStatsStageTest {
    static final Instant H08 = Instant.parse("2026-11-25T08:00:00Z");
    static final String ACME_SATISFIED_AC_08 = Keys.hourlyStats("acme", NIST, SATISFIED, "ac", H08);

    @TempDir Path state;
    PipelineDriver p;

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void updatesAreEmittedAsTheCountGrowsAndTheLastIsTheCountOfTheHour() {
        p = new PipelineDriver(state, Map.of("STATS_GRACE", "10m"));
        p.send(record("r-1", "acme", "ac-1", SATISFIED, H08.plusSeconds(60)));
        p.send(record("r-2", "acme", "ac-2", SATISFIED, H08.plusSeconds(3000)));
        p.send(record("r-3", "acme", "ac-3", NOT_SATISFIED, H08.plusSeconds(120)));
        p.send(record("r-4", "acme", "zz-1", SATISFIED, H08.plusSeconds(180)));
        p.send(record("r-5", "acme", "ac-1", SATISFIED, H08.plusSeconds(3600)));    // the next hour

        Map<String, ComplianceStats> latest = PipelineDriver.latestByKey(p.stats);
        ComplianceStats s = latest.get(ACME_SATISFIED_AC_08);
        assertThat(s.getCount()).isEqualTo(2);
        assertThat(s.getWindowStart()).isEqualTo(H08);
        assertThat(s.getWindowEnd()).isEqualTo(H08.plus(Duration.ofHours(1)));
        assertThat(s.getOrgId()).isEqualTo("acme");
        assertThat(s.getFramework()).isEqualTo(NIST);
        assertThat(s.getStatus()).isEqualTo(SATISFIED);
        assertThat(s.getFamily()).isEqualTo("ac");
        assertThat(latest.get(Keys.hourlyStats("acme", NIST, NOT_SATISFIED, "ac", H08)).getCount()).isEqualTo(1);
        assertThat(latest.get(Keys.hourlyStats("acme", NIST, SATISFIED, "unknown", H08)).getCount())
                .as("controls missing from the catalog count under family 'unknown'").isEqualTo(1);
        assertThat(latest.get(Keys.hourlyStats("acme", NIST, SATISFIED, "ac", H08.plus(Duration.ofHours(1)))).getCount())
                .isEqualTo(1);
    }

    @Test
    void aLateRecordWithinTheGraceIsCountedAndOneLandingAfterTheWindowClosedIsNot() {
        p = new PipelineDriver(state, Map.of("STATS_GRACE", "10m"));
        p.send(record("r-1", "acme", "ac-1", SATISFIED, H08.plusSeconds(60)));
        p.send(record("r-2", "acme", "ac-2", SATISFIED, H08.plus(Duration.ofMinutes(65))));   // stream time 09:05
        p.send(record("r-3", "acme", "ac-3", SATISFIED, H08.plusSeconds(120)));               // late, within grace
        p.send(record("r-4", "acme", "ac-4", SATISFIED, H08.plus(Duration.ofMinutes(75))));   // stream time 09:15: 08:00 window closed
        p.send(record("r-5", "acme", "ac-1", SATISFIED, H08.plusSeconds(180)));               // after the window closed

        assertThat(PipelineDriver.latestByKey(p.stats).get(ACME_SATISFIED_AC_08).getCount()).isEqualTo(2);
        assertThat(p.enriched.readValuesToList()).as("the record is still enriched").hasSize(5);
    }

    @Test
    void withFinalEmissionEachWindowIsEmittedOnceWhenItCloses() {
        p = new PipelineDriver(state, Map.of("STATS_GRACE", "10m", "STATS_EMIT", "final"));
        p.send(record("r-1", "acme", "ac-1", SATISFIED, H08.plusSeconds(60)));
        p.send(record("r-2", "acme", "ac-2", SATISFIED, H08.plusSeconds(120)));
        p.send(record("r-3", "acme", "ac-3", SATISFIED, H08.plus(Duration.ofMinutes(65))));
        assertThat(p.stats.isEmpty()).as("08:00 is still open (grace until 09:10)").isTrue();

        p.advanceWallClock(Duration.ofSeconds(2));
        p.send(record("r-4", "acme", "ac-4", SATISFIED, H08.plus(Duration.ofMinutes(71))));

        List<TestRecord<String, ComplianceStats>> emitted = p.stats.readRecordsToList();
        assertThat(emitted).extracting(TestRecord::key).containsExactly(ACME_SATISFIED_AC_08);
        assertThat(emitted.getFirst().value().getCount()).isEqualTo(2);
    }
}
