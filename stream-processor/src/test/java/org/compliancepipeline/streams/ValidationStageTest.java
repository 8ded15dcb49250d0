package org.compliancepipeline.streams;

import org.apache.kafka.streams.test.TestRecord;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.DeadLetterHeaders;
import org.compliancepipeline.schemas.Keys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.compliancepipeline.streams.PipelineDriver.NOW;
import static org.compliancepipeline.streams.PipelineDriver.record;

/** Stage 1, validation: which records enter the pipeline and which go to the dead-letter topic, and why. */
class ValidationStageTest {
    @TempDir Path state;
    PipelineDriver p;

    @BeforeEach
    void start() {
        p = new PipelineDriver(state, Map.of("FUTURE_SKEW", "5m", "TIMESTAMP_FLOOR", "2020-01-01"));
    }

    @AfterEach
    void stop() {
        p.close();
    }

    @Test
    void aValidRecordIsAcceptedAndNothingIsDeadLettered() {
        p.send(record("r-1").build());

        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).containsExactly("r-1");
        assertThat(p.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void observedAtTooFarInTheFutureIsRejectedWithTheRuleAndTheField() {
        p.send(record("r-future").setObservedAt(NOW.plus(Duration.ofMinutes(6))).build());

        TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
        assertThat(header(dead, DeadLetterHeaders.STAGE)).isEqualTo("validate");
        assertThat(header(dead, DeadLetterHeaders.RULE)).isEqualTo("observedAt.future");
        assertThat(header(dead, DeadLetterHeaders.REASON)).startsWith("observedAt: is PT6M in the future");
        assertThat(p.enriched.isEmpty()).isTrue();
    }

    @Test
    void observedAtWithinTheAllowedSkewIsAccepted() {
        p.send(record("r-skew").setObservedAt(NOW.plus(Duration.ofMinutes(4))).build());

        assertThat(p.enriched.readValuesToList()).hasSize(1);
    }

    @Test
    void observedAtBeforeTheFloorIsRejected() {
        p.send(record("r-old").setObservedAt(Instant.parse("2019-12-31T23:59:59Z")).build());

        assertThat(header(p.deadLetters.readRecord(), DeadLetterHeaders.RULE)).isEqualTo("observedAt.floor");
    }

    @Test
    void aScoreOutsideZeroToHundredIsRejected() {
        p.send(record("r-score").setScore(100.5).build());
        p.send(record("r-nan").setScore(Double.NaN).build());
        p.send(record("r-ok").setScore(100.0).build());

        assertThat(p.deadLetters.readRecordsToList()).extracting(r -> header(r, DeadLetterHeaders.RULE))
                .containsExactly("score.range", "score.range");
        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).containsExactly("r-ok");
    }

    @Test
    void anUnknownFrameworkIsRejectedButAFrameworkWithControlsInTheCatalogIsKnown() {
        p.send(record("r-iso").setFramework("iso-27001").build());
        assertThat(header(p.deadLetters.readRecord(), DeadLetterHeaders.RULE)).isEqualTo("framework.unknown");

        p.controls.pipeInput(Keys.control("iso-27001", "a.5.1"), ControlDefinition.newBuilder()
                .setFramework("iso-27001").setControlId("a.5.1").setTitle("Policies for information security")
                .setFamily("a.5").setWeight(1.0).build(), NOW);
        p.send(record("r-iso-2").setFramework("iso-27001").setControlId("a.5.1").build());

        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).containsExactly("r-iso-2");
    }

    @Test
    void aRecordNotKeyedByItsOrgIdIsRejected() {
        ComplianceRecord r = record("r-key").build();
        p.records.pipeInput("someone-else", r, NOW);

        TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
        assertThat(header(dead, DeadLetterHeaders.RULE)).isEqualTo("key.orgId");
        assertThat(header(dead, DeadLetterHeaders.REASON)).contains("expected 'acme', got 'someone-else'");
    }

    @Test
    void requiredAndBoundedTextIsChecked() {
        p.send(record("r-blank").setSource("  ").build());
        p.send(record("r-long").setDescription("x".repeat(32_769)).build());
        p.send(record("r-id").setControlId("ac 2/evil").build());

        assertThat(p.deadLetters.readRecordsToList()).extracting(r -> header(r, DeadLetterHeaders.RULE))
                .containsExactly("source.length", "description.length", "controlId.format");
    }

    @Test
    void everyViolationIsNamedInTheReasonAndTheFirstIsTheRule() {
        p.send(record("r-many").setScore(-1.0).setSource("").setObservedAt(NOW.plus(Duration.ofDays(1))).build());

        TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
        assertThat(header(dead, DeadLetterHeaders.RULE)).isEqualTo("observedAt.future");
        assertThat(header(dead, DeadLetterHeaders.REASON)).contains("observedAt:", "score: must be between 0 and 100", "source: must not be blank");
    }

    @Test
    void theDeadLetterIsTheOriginalRecordByteForByteWithWhereItCameFrom() {
        ComplianceRecord bad = record("r-bad").setStatus(ComplianceStatus.NOT_SATISFIED).setScore(101.0).build();
        byte[] original = AvroSerdes.COMPLIANCE_RECORD.serialize("t", bad);
        p.send(record("r-good").build());
        p.rawRecords.pipeInput(new TestRecord<>("acme".getBytes(StandardCharsets.UTF_8), original, NOW));

        TestRecord<byte[], byte[]> dead = p.deadLetters.readRecord();
        assertThat(dead.value()).isEqualTo(original);
        assertThat(dead.key()).isEqualTo("acme".getBytes(StandardCharsets.UTF_8));
        assertThat(header(dead, DeadLetterHeaders.SOURCE_TOPIC)).isEqualTo(p.config.topics().records().name());
        assertThat(header(dead, DeadLetterHeaders.SOURCE_PARTITION)).isEqualTo("0");
        assertThat(header(dead, DeadLetterHeaders.SOURCE_OFFSET)).isEqualTo("1");
        assertThat(header(dead, DeadLetterHeaders.FAILED_AT)).as("the wall clock after one send")
                .isEqualTo(Long.toString(NOW.plus(PipelineDriver.TICK).toEpochMilli()));
        assertThat(p.counter("stream.processor.dead.letters", "stage", "validate", "rule", "score.range")).isEqualTo(1);
    }

    @Test
    void processingContinuesAfterInvalidRecords() {
        for (int i = 0; i < 5; i++) p.send(record("bad-" + i).setScore(-5.0).build());
        p.send(record("good").build());

        assertThat(p.deadLetters.readRecordsToList()).hasSize(5);
        assertThat(p.enriched.readValuesToList()).extracting(e -> e.getRecord().getRecordId()).isEqualTo(List.of("good"));
    }

    static String header(TestRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
