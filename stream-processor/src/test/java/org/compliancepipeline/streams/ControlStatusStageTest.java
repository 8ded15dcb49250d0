package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.Keys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_APPLICABLE;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.PARTIALLY_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;
import static org.compliancepipeline.streams.PipelineDriver.NIST;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;

/** Stage 5, control status: the newest assessment of each control wins, whatever order records arrive in. */
class ControlStatusStageTest {
    static final String AC2 = Keys.controlStatus("acme", NIST, "ac-2");
    static final Instant T1 = NOW.minusSeconds(300);
    static final Instant T2 = NOW.minusSeconds(200);
    static final Instant T3 = NOW.minusSeconds(100);

    @TempDir Path state;
    PipelineDriver p;

    @BeforeEach
    void start() {
        p = new PipelineDriver(state);
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void aNewerAssessmentReplacesTheStatus() {
        p.send(record("r-1", "acme", "ac-2", SATISFIED, T1));
        p.send(record("r-2", "acme", "ac-2", NOT_SATISFIED, T2));

        var updates = p.controlStatus.readRecordsToList();
        assertThat(updates).extracting(r -> r.key()).containsOnly(AC2);
        assertThat(updates).extracting(r -> r.value().getStatus()).containsExactly(SATISFIED, NOT_SATISFIED);
        ControlStatus latest = updates.getLast().value();
        assertThat(latest.getObservedAt()).isEqualTo(T2);
        assertThat(latest.getRecordId()).isEqualTo("r-2");
        assertThat(latest.getFamily()).isEqualTo("ac");
        assertThat(latest.getWeight()).isEqualTo(1.0);
    }

    @Test
    void aLateRecordNeverOverwritesANewerStatus() {
        p.send(record("r-3", "acme", "ac-2", NOT_SATISFIED, T3));
        p.send(record("r-1", "acme", "ac-2", SATISFIED, T1));   // observed earlier, arrives later
        p.send(record("r-2", "acme", "ac-2", SATISFIED, T2));

        assertThat(p.controlStatus.readValuesToList()).extracting(ControlStatus::getRecordId).containsExactly("r-3");
        assertThat(p.enriched.readValuesToList()).as("late records are still enriched").hasSize(3);
        assertThat(p.counter("stream.processor.stale.status")).isEqualTo(2);
    }

    @Test
    void outOfOrderArrivalEndsInTheSameStatusAsInOrderArrival() {
        var inOrder = List.of(record("r-1", "acme", "ac-2", SATISFIED, T1), record("r-2", "acme", "ac-2", PARTIALLY_SATISFIED, T2),
                record("r-3", "acme", "ac-2", NOT_APPLICABLE, T3));
        inOrder.reversed().forEach(p::send);

        assertThat(PipelineDriver.latestByKey(p.controlStatus).get(AC2).getRecordId()).isEqualTo("r-3");
    }

    @Test
    void atTheSameInstantTheMoreSevereStatusWinsWhateverTheArrivalOrder() {
        p.send(record("r-b", "acme", "ac-2", SATISFIED, T1));
        p.send(record("r-a", "acme", "ac-2", NOT_SATISFIED, T1));
        p.send(record("r-c", "acme", "ac-3", NOT_SATISFIED, T1));
        p.send(record("r-d", "acme", "ac-3", SATISFIED, T1));

        Map<String, ControlStatus> latest = PipelineDriver.latestByKey(p.controlStatus);
        assertThat(latest.get(AC2).getStatus()).isEqualTo(NOT_SATISFIED);
        assertThat(latest.get(Keys.controlStatus("acme", NIST, "ac-3")).getStatus()).isEqualTo(NOT_SATISFIED);
    }

    @Test
    void atTheSameInstantAndStatusTheGreaterRecordIdWins() {
        p.send(record("r-9", "acme", "ac-2", SATISFIED, T1));
        p.send(record("r-1", "acme", "ac-2", SATISFIED, T1));

        assertThat(p.controlStatus.readValuesToList()).extracting(ControlStatus::getRecordId).containsExactly("r-9");
    }

    @Test
    void controlsAndOrganisationsAreTrackedSeparately() {
        p.send(record("r-1", "acme", "ac-2", SATISFIED, T1));
        p.send(record("r-2", "acme", "ac-3", NOT_SATISFIED, T1));
        p.send(record("r-3", "riyadh-bank", "ac-2", PARTIALLY_SATISFIED, T1));

        assertThat(PipelineDriver.latestByKey(p.controlStatus)).containsOnlyKeys(AC2,
                Keys.controlStatus("acme", NIST, "ac-3"), Keys.controlStatus("riyadh-bank", NIST, "ac-2"));
    }

    @Test
    void aControlMissingFromTheCatalogHasWeightZeroAndNoFamily() {
        p.send(record("r-1", "acme", "zz-1", SATISFIED, T1));

        ControlStatus s = p.controlStatus.readValue();
        assertThat(s.getWeight()).isZero();
        assertThat(s.getFamily()).isNull();
    }
}
