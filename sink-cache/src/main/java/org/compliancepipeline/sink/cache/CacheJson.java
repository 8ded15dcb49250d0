package org.compliancepipeline.sink.cache;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON values readers find in Redis. Field names and formats follow the HTTP API
 * ({@code ComplianceRecordJson}): ISO-8601 timestamps, absent optional fields omitted, tags sorted by
 * key so the same record always gives the same bytes (a replay rewrites identical values).
 */
final class CacheJson {
    private static final JsonFactory JSON = new JsonFactory();

    private CacheJson() { }

    /** The compact status a control's hash field holds: {@code {"status","observedAt","recordId"}}. */
    static String status(ControlStatus s) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("status", s.getStatus().name());
            g.writeStringField("observedAt", s.getObservedAt().toString());
            g.writeStringField("recordId", s.getRecordId());
            g.writeEndObject();
        });
    }

    /**
     * The same from the parts the sink keeps: every part is plain ASCII that needs no escaping (the
     * record id is refused before this when it is not a valid id), so the bytes equal the generator's.
     */
    static byte[] status(ComplianceStatus status, long observedAtMillis, String recordId) {
        return ("{\"status\":\"" + status.name() + "\",\"observedAt\":\"" + iso(observedAtMillis)
                + "\",\"recordId\":\"" + recordId + "\"}").getBytes(StandardCharsets.US_ASCII);
    }

    /** The enriched record: the record as the API returns it, plus what enrichment added. */
    static String record(EnrichedRecord e) {
        return write(g -> {
            ComplianceRecord r = e.getRecord();
            g.writeStartObject();
            g.writeStringField("recordId", r.getRecordId());
            g.writeStringField("orgId", r.getOrgId());
            g.writeStringField("framework", r.getFramework());
            g.writeStringField("controlId", r.getControlId());
            if (r.getObjectiveId() != null) g.writeStringField("objectiveId", r.getObjectiveId());
            g.writeStringField("status", r.getStatus().name());
            if (r.getScore() != null) g.writeNumberField("score", r.getScore());
            g.writeStringField("observedAt", r.getObservedAt().toString());
            g.writeStringField("source", r.getSource());
            g.writeStringField("method", r.getMethod().name());
            if (r.getSubject() != null) g.writeStringField("subject", r.getSubject());
            if (r.getTitle() != null) g.writeStringField("title", r.getTitle());
            if (r.getDescription() != null) g.writeStringField("description", r.getDescription());
            g.writeArrayFieldStart("evidenceUris");
            for (String uri : r.getEvidenceUris()) g.writeString(uri);
            g.writeEndArray();
            g.writeObjectFieldStart("tags");
            for (Map.Entry<String, String> t : new TreeMap<>(r.getTags()).entrySet()) g.writeStringField(t.getKey(), t.getValue());
            g.writeEndObject();
            ControlContext c = e.getControl();
            if (c != null) {
                g.writeObjectFieldStart("control");
                g.writeStringField("title", c.getTitle());
                g.writeStringField("family", c.getFamily());
                if (c.getFamilyTitle() != null) g.writeStringField("familyTitle", c.getFamilyTitle());
                if (c.getParentControlId() != null) g.writeStringField("parentControlId", c.getParentControlId());
                g.writeArrayFieldStart("baselines");
                for (String b : c.getBaselines()) g.writeString(b);
                g.writeEndArray();
                g.writeNumberField("weight", c.getWeight());
                g.writeEndObject();
            }
            OrganizationContext o = e.getOrganization();
            if (o != null) {
                g.writeObjectFieldStart("organization");
                g.writeStringField("name", o.getName());
                if (o.getSector() != null) g.writeStringField("sector", o.getSector());
                if (o.getRegion() != null) g.writeStringField("region", o.getRegion());
                g.writeEndObject();
            }
            g.writeArrayFieldStart("flags");
            for (EnrichmentFlag f : e.getFlags()) g.writeString(f.name());
            g.writeEndArray();
            g.writeStringField("ingestedAt", e.getIngestedAt().toString());
            g.writeStringField("enrichedAt", e.getEnrichedAt().toString());
            g.writeEndObject();
        });
    }

    /**
     * {@code Instant.ofEpochMilli(millis).toString()} without the formatter for the years 1970 to 9999
     * (the others through it): {@code 2026-11-25T08:00:00Z}, {@code 2026-11-25T08:00:00.123Z}.
     */
    static String iso(long millis) {
        if (millis < 0 || millis >= MAX_FAST_MILLIS) return Instant.ofEpochMilli(millis).toString();
        long day = millis / 86_400_000L;
        int ms = (int) (millis % 86_400_000L);
        Day d = lastDay;
        if (d.epochDay != day) {
            d = new Day(day, java.time.LocalDate.ofEpochDay(day) + "T");
            lastDay = d;
        }
        int seconds = ms / 1000, fraction = ms % 1000;
        StringBuilder b = new StringBuilder(24).append(d.prefix);
        two(b, seconds / 3600).append(':');
        two(b, seconds / 60 % 60).append(':');
        two(b, seconds % 60);
        if (fraction != 0) {
            b.append('.').append((char) ('0' + fraction / 100)).append((char) ('0' + fraction / 10 % 10)).append((char) ('0' + fraction % 10));
        }
        return b.append('Z').toString();
    }

    /** 10000-01-01T00:00:00Z */
    private static final long MAX_FAST_MILLIS = 253_402_300_800_000L;
    private record Day(long epochDay, String prefix) { }
    private static volatile Day lastDay = new Day(-1, "");

    private static StringBuilder two(StringBuilder b, int n) {
        return b.append((char) ('0' + n / 10)).append((char) ('0' + n % 10));
    }

    /** A finite number as a short JSON number and Redis float: {@code 75}, {@code 66.66666666666667}. */
    static String number(double value) {
        if (!Double.isFinite(value)) throw new IllegalArgumentException("not a finite number: " + value);
        if (value == Math.rint(value) && Math.abs(value) < 1e15) return Long.toString((long) value);
        return BigDecimal.valueOf(value).toPlainString();
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
