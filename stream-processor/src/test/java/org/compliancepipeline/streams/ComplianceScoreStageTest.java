package org.compliancepipeline.streams;

import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.Keys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_APPLICABLE;
import static org.compliancepipeline.schemas.ComplianceStatus.NOT_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.PARTIALLY_SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.SATISFIED;
import static org.compliancepipeline.schemas.ComplianceStatus.UNKNOWN;
import static org.compliancepipeline.streams.PipelineDriver.NIST;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;

/**
 * Stage 6, score: the weighted share of applicable controls satisfied, checked by hand.
 *
 * <pre>
 * control  weight  status               applicable  satisfied
 * ac-1     1.0     SATISFIED            1.0         1.0
 * ac-2     1.0     PARTIALLY_SATISFIED  1.0         0.5
 * ac-2.1   0.5     NOT_SATISFIED        0.5         0
 * ac-3     1.0     NOT_APPLICABLE       -           -
 * ac-4     1.0     UNKNOWN              1.0         0
 * zz-9     (not in the catalog: weight 0, does not count)
 *                                       3.5         1.5     score = 100 * 1.5 / 3.5 = 42.857142...
 * then ac-2 becomes SATISFIED:          3.5         2.0     score = 100 * 2.0 / 3.5 = 57.142857...
 * then ac-2.1 becomes NOT_APPLICABLE:   3.0         2.0     score = 100 * 2.0 / 3.0 = 66.666666...
 * </pre>
 */
class ComplianceScoreStageTest {
    static final String ACME = Keys.score("acme", NIST);
    static final Instant T1 = NOW.minusSeconds(600);

    @TempDir Path state;
    PipelineDriver p;

    @BeforeEach
    void start() {
        p = new PipelineDriver(state);
        p.send(record("r-1", "acme", "ac-1", SATISFIED, T1));
        p.send(record("r-2", "acme", "ac-2", PARTIALLY_SATISFIED, T1));
        p.send(record("r-3", "acme", "ac-2.1", NOT_SATISFIED, T1));
        p.send(record("r-4", "acme", "ac-3", NOT_APPLICABLE, T1));
        p.send(record("r-5", "acme", "ac-4", UNKNOWN, T1));
        p.send(record("r-6", "acme", "zz-9", SATISFIED, T1));
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void theScoreIsTheWeightedShareOfApplicableControlsSatisfiedWithPartialCountingHalf() {
        ComplianceScore s = PipelineDriver.latestByKey(p.scores).get(ACME);

        assertThat(s.getOrgId()).isEqualTo("acme");
        assertThat(s.getFramework()).isEqualTo(NIST);
        assertThat(s.getApplicableWeight()).isEqualTo(3.5);
        assertThat(s.getSatisfiedWeight()).isEqualTo(1.5);
        assertThat(s.getScore()).isCloseTo(100 * 1.5 / 3.5, within(1e-9));
        assertThat(List.of(s.getControlsSatisfied(), s.getControlsPartiallySatisfied(), s.getControlsNotSatisfied(),
                s.getControlsNotApplicable(), s.getControlsUnknown())).containsExactly(1, 1, 1, 1, 1);
        assertThat(s.getUpdatedAt()).as("when r-6, the last status change, was processed: the sixth send")
                .isEqualTo(NOW.plus(PipelineDriver.TICK.multipliedBy(5)));
    }

    @Test
    void aStatusChangeMovesTheScoreByItsOwnContribution() {
        p.scores.readRecordsToList();
        p.send(record("r-7", "acme", "ac-2", SATISFIED, T1.plusSeconds(1)));
        ComplianceScore afterAc2 = p.scores.readRecordsToList().getLast().value();
        assertThat(afterAc2.getSatisfiedWeight()).isEqualTo(2.0);
        assertThat(afterAc2.getScore()).isCloseTo(100 * 2.0 / 3.5, within(1e-9));
        assertThat(afterAc2.getControlsSatisfied()).isEqualTo(2);
        assertThat(afterAc2.getControlsPartiallySatisfied()).isZero();

        p.send(record("r-8", "acme", "ac-2.1", NOT_APPLICABLE, T1.plusSeconds(1)));
        ComplianceScore afterAc21 = p.scores.readRecordsToList().getLast().value();
        assertThat(afterAc21.getApplicableWeight()).isEqualTo(3.0);
        assertThat(afterAc21.getScore()).isCloseTo(100 * 2.0 / 3.0, within(1e-9));
        assertThat(afterAc21.getControlsNotApplicable()).isEqualTo(2);
        assertThat(afterAc21.getControlsNotSatisfied()).isZero();
    }

    @Test
    void aNewerAssessmentWithTheSameStatusPublishesTheSameScoreWithItsNewTime() {
        ComplianceScore before = PipelineDriver.latestByKey(p.scores).get(ACME);
        p.send(record("r-same", "acme", "ac-1", SATISFIED, T1.plusSeconds(30)));

        assertThat(p.controlStatus.readRecordsToList()).extracting(r -> r.value().getRecordId()).contains("r-same");
        ComplianceScore after = p.scores.readRecordsToList().getLast().value();
        assertThat(after.getScore()).isEqualTo(before.getScore());
        assertThat(after.getSatisfiedWeight()).isEqualTo(before.getSatisfiedWeight());
        assertThat(after.getUpdatedAt()).isAfter(before.getUpdatedAt());
    }

    @Test
    void changesBetweenTwoEmissionsArePublishedAsOneScore() {
        p.scores.readRecordsToList();
        p.records.pipeInput("acme", record("r-a", "acme", "ac-1", NOT_SATISFIED, T1.plusSeconds(1)), NOW);
        p.records.pipeInput("acme", record("r-b", "acme", "ac-2", SATISFIED, T1.plusSeconds(1)), NOW);
        assertThat(p.scores.isEmpty()).as("nothing before the emission tick").isTrue();

        p.advanceWallClock(PipelineDriver.TICK);
        var published = p.scores.readRecordsToList();
        assertThat(published).hasSize(1);
        assertThat(published.getFirst().value().getSatisfiedWeight()).isEqualTo(1.0);   // ac-2 1.0; ac-1 now failing
    }

    @Test
    void aLateRecordDoesNotChangeTheScore() {
        p.scores.readRecordsToList();
        p.send(record("r-old", "acme", "ac-1", NOT_SATISFIED, T1.minusSeconds(60)));

        assertThat(p.scores.isEmpty()).isTrue();
    }

    @Test
    void eachOrganisationAndFrameworkHasItsOwnScore() {
        p.send(record("r-9", "riyadh-bank", "ac-1", NOT_SATISFIED, T1));

        var scores = PipelineDriver.latestByKey(p.scores);
        assertThat(scores.get(Keys.score("riyadh-bank", NIST)).getScore()).isZero();
        assertThat(scores.get(Keys.score("riyadh-bank", NIST)).getApplicableWeight()).isEqualTo(1.0);
        assertThat(scores.get(ACME).getApplicableWeight()).isEqualTo(3.5);
    }

    @Test
    void nothingApplicableScoresZero() {
        p.send(record("r-10", "riyadh-bank", "ac-3", NOT_APPLICABLE, T1));

        ComplianceScore s = PipelineDriver.latestByKey(p.scores).get(Keys.score("riyadh-bank", NIST));
        assertThat(s.getScore()).isZero();
        assertThat(s.getApplicableWeight()).isZero();
        assertThat(s.getControlsNotApplicable()).isEqualTo(1);
    }

    @Test
    void totalsAreExactWhateverTheOrderOfAdditionsAndSubtractions() {
        ScoreTotals t = ScoreTotals.EMPTY;
        var tenth = new ScoreTotals.Contribution(SATISFIED, 100);   // weight 0.1, not exact in binary
        for (int i = 0; i < 1000; i++) t = t.plus(tenth);
        for (int i = 0; i < 999; i++) t = t.minus(tenth);
        assertThat(t.toScore("o", "f", NOW).getApplicableWeight()).isEqualTo(0.1);
        assertThat(t.score()).isEqualTo(100.0);
    }
}
