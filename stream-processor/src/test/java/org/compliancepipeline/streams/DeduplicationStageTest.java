package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ComplianceStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;

/** Stage 2, deduplication: a recordId is accepted once per organisation within the retention (here 1 hour). */
class DeduplicationStageTest {
    @TempDir Path state;
    PipelineDriver p;

    @BeforeEach
    void start() {
        p = new PipelineDriver(state, Map.of("DEDUP_RETENTION", "1h"));
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void aDuplicateIsDroppedEvenWhenItsContentDiffers() {
        p.send(record("r-1").build());
        p.send(record("r-1").build());
        p.send(record("r-1").setStatus(ComplianceStatus.NOT_SATISFIED).build(), NOW.plusSeconds(30));
        p.send(record("r-2").build());

        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).containsExactly("r-1", "r-2");
        assertThat(p.counter("stream.processor.duplicates")).isEqualTo(2);
    }

    @Test
    void duplicatesDoNotReachTheControlStatusEither() {
        p.send(record("r-1").setStatus(ComplianceStatus.SATISFIED).build());
        p.send(record("r-1").setStatus(ComplianceStatus.NOT_SATISFIED).setObservedAt(NOW).build());

        assertThat(p.controlStatus.readValuesToList()).extracting(s -> s.getStatus()).containsExactly(ComplianceStatus.SATISFIED);
    }

    @Test
    void theSameRecordIdOfAnotherOrganisationIsAnotherRecord() {
        p.send(record("r-1").build());
        p.send(record("r-1").setOrgId("riyadh-bank").build());

        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getOrgId()).containsExactly("acme", "riyadh-bank");
    }

    @Test
    void aDuplicateWithinTheRetentionIsDroppedAndAfterItIsAcceptedAgain() {
        p.send(record("r-1").build());
        p.advanceWallClock(Duration.ofMinutes(59));
        p.send(record("r-1").build());
        assertThat(p.enriched.readValuesToList()).hasSize(1);

        p.advanceWallClock(Duration.ofMinutes(2)); // 61 minutes after the first copy
        p.send(record("r-1").build());
        assertThat(p.enriched.readValuesToList()).hasSize(1);
    }

    @Test
    void invalidRecordsDoNotMakeTheirIdSeen() {
        p.send(record("r-1").setScore(500.0).build());
        p.send(record("r-1").build());

        assertThat(p.deadLetters.readRecordsToList()).hasSize(1);
        assertThat(p.enriched.readValuesToList()).hasSize(1);
    }
}
