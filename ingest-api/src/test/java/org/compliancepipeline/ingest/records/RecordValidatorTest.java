package org.compliancepipeline.ingest.records;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.FieldError;
import org.compliancepipeline.schemas.json.MappingResult;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class RecordValidatorTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final RecordValidator validator = new RecordValidator(Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));

    private static ObjectNode record(String observedAt) throws Exception {
        return (ObjectNode) new ObjectMapper().readTree("""
                {"orgId":"acme","framework":"nist-800-53-r5","controlId":"ac-2","status":"SATISFIED",
                 "observedAt":"%s","source":"grc","method":"EXAMINE"}""".formatted(observedAt));
    }

    @Test
    void aTimestampWithinTheSkewIsAccepted() throws Exception {
        assertThat(validator.validate(record("2026-11-25T12:04:59Z")).isValid()).isTrue();
    }

    @Test
    void aTimestampBeyondTheSkewIsAFieldError() throws Exception {
        MappingResult<ComplianceRecord> r = validator.validate(record("2026-11-25T12:05:01Z"));
        assertThat(r.errors()).singleElement().extracting(FieldError::path).isEqualTo("observedAt");
        assertThat(r.errors().getFirst().reason())
                .isEqualTo("must not be more than 5 min in the future; got 2026-11-25T12:05:01Z, latest accepted now is 2026-11-25T12:05:00Z");
    }

    @Test
    void aFutureTimestampIsReportedTogetherWithOtherErrors() throws Exception {
        ObjectNode r = record("2027-01-01T00:00:00Z");
        r.put("status", "GREEN");
        assertThat(validator.validate(r).errors()).extracting(FieldError::path).containsExactlyInAnyOrder("status", "observedAt");
        r.put("observedAt", NOW.plus(Duration.ofDays(1)).toEpochMilli());
        assertThat(validator.validate(r).errors()).extracting(FieldError::path).containsExactlyInAnyOrder("status", "observedAt");
    }

    @Test
    void aMissingRecordIdBecomesAUuidV7() throws Exception {
        ComplianceRecord r = validator.validate(record("2026-11-25T11:00:00Z")).orElseThrow();
        assertThat(UUID.fromString(r.getRecordId()).version()).isEqualTo(7);
    }
}
