package org.compliancepipeline.ingest.records;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.FieldError;
import org.compliancepipeline.schemas.json.MappingResult;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON to record with the API's rules on top of the shape rules of {@link ComplianceRecordJson}:
 * every error of a record is reported at once, a record without {@code recordId} gets a
 * time-ordered UUID (v7), and {@code observedAt} may not lie further in the future than the
 * allowed clock skew (a producer with a broken clock would otherwise pin a control's status).
 */
public final class RecordValidator {
    private static final TimeBasedEpochGenerator UUID_V7 = Generators.timeBasedEpochGenerator();

    private final Duration maxFutureSkew;
    private final Clock clock;

    public RecordValidator(Duration maxFutureSkew, Clock clock) {
        this.maxFutureSkew = maxFutureSkew;
        this.clock = clock;
    }

    public static String newRecordId() {
        return UUID_V7.generate().toString();
    }

    public MappingResult<ComplianceRecord> validate(JsonNode json) {
        MappingResult<ComplianceRecord> shape = ComplianceRecordJson.fromJson(json, RecordValidator::newRecordId);
        Instant latest = clock.instant().plus(maxFutureSkew);
        return switch (shape) {
            case MappingResult.Valid<ComplianceRecord> v when v.value().getObservedAt().isAfter(latest) ->
                    new MappingResult.Invalid<>(List.of(futureError(v.value().getObservedAt(), latest)));
            case MappingResult.Invalid<ComplianceRecord> i -> withFutureCheck(i, json, latest);
            default -> shape;
        };
    }

    /** An invalid record also learns about a future timestamp, so every error comes in one answer. */
    private MappingResult<ComplianceRecord> withFutureCheck(MappingResult.Invalid<ComplianceRecord> invalid, JsonNode json, Instant latest) {
        if (invalid.errors().stream().anyMatch(e -> e.path().equals("observedAt"))) return invalid;
        JsonNode observed = json.get("observedAt");
        Instant at = null;
        if (observed != null && observed.isIntegralNumber() && observed.canConvertToLong()) at = Instant.ofEpochMilli(observed.longValue());
        if (observed != null && observed.isTextual()) {
            try {
                at = java.time.OffsetDateTime.parse(observed.textValue()).toInstant();
            } catch (RuntimeException ignored) {
                // reported by the shape check already
            }
        }
        if (at == null || !at.isAfter(latest)) return invalid;
        List<FieldError> errors = new ArrayList<>(invalid.errors());
        errors.add(futureError(at, latest));
        return new MappingResult.Invalid<>(errors);
    }

    /** The error of a timestamp further in the future than the allowed skew, or null. */
    public FieldError futureError(Instant observedAt) {
        Instant latest = clock.instant().plus(maxFutureSkew);
        return observedAt.isAfter(latest) ? futureError(observedAt, latest) : null;
    }

    private FieldError futureError(Instant observedAt, Instant latest) {
        return new FieldError("observedAt", "must not be more than " + human(maxFutureSkew) + " in the future; got "
                + observedAt + ", latest accepted now is " + latest.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    private static String human(Duration d) {
        if (d.toSeconds() % 3600 == 0 && d.toHours() > 0) return d.toHours() + " h";
        if (d.toSeconds() % 60 == 0 && d.toMinutes() > 0) return d.toMinutes() + " min";
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
