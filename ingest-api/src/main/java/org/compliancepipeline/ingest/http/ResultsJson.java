package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.compliancepipeline.ingest.records.RecordResult;
import org.compliancepipeline.schemas.json.FieldError;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Writes the API's JSON answers straight to bytes with a streaming generator (a 5,000-record
 * answer never becomes a tree): per-record results and the error body.
 *
 * <pre>{@code
 * {"error": "...", "message": "...",                      // only when the status is not 2xx
 *  "accepted": 997, "rejected": 3, "unavailable": 0,
 *  "results": [{"index": 0, "status": "accepted", "recordId": "...", "partition": 3, "offset": 42},
 *              {"index": 1, "status": "rejected", "reason": "invalid", "errors": [{"path": "observedAt", "reason": "..."}]},
 *              {"index": 2, "status": "unavailable", "reason": "kafka_unavailable", "recordId": "...", "message": "..."}]}
 * }</pre>
 */
public final class ResultsJson {
    private static final JsonFactory JSON = new JsonFactory();

    private ResultsJson() { }

    /** Counts of one request's results. */
    public record Counts(int accepted, int rejected, int unavailable, boolean anyBusy, boolean anyKafkaDown) {
        public static Counts of(List<RecordResult> results) {
            int a = 0, r = 0, u = 0;
            boolean busy = false, down = false;
            for (RecordResult result : results) {
                switch (result) {
                    case RecordResult.Accepted x -> a++;
                    case RecordResult.Rejected x -> r++;
                    case RecordResult.Unavailable x -> {
                        u++;
                        if (x.reason().equals("producer_busy")) busy = true;
                        else down = true;
                    }
                }
            }
            return new Counts(a, r, u, busy, down);
        }
    }

    /**
     * @param extras per-result fields added after the standard ones (OSCAL: finding uuid), or null
     * @param error  error code and message for a non-2xx answer, or null
     */
    public static byte[] results(List<RecordResult> results, List<Map<String, String>> extras, String errorCode, String message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + results.size() * 96);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            Counts counts = Counts.of(results);
            g.writeStartObject();
            if (errorCode != null) {
                g.writeStringField("error", errorCode);
                g.writeStringField("message", message);
            }
            g.writeNumberField("accepted", counts.accepted());
            g.writeNumberField("rejected", counts.rejected());
            g.writeNumberField("unavailable", counts.unavailable());
            g.writeArrayFieldStart("results");
            for (int i = 0; i < results.size(); i++) {
                g.writeStartObject();
                g.writeNumberField("index", i);
                writeResult(g, results.get(i));
                if (extras != null && extras.get(i) != null) {
                    for (var e : extras.get(i).entrySet()) g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The fields of one result after its position (index or line). */
    public static void writeResult(JsonGenerator g, RecordResult result) throws IOException {
        switch (result) {
            case RecordResult.Accepted a -> {
                g.writeStringField("status", "accepted");
                g.writeStringField("recordId", a.recordId());
                g.writeNumberField("partition", a.partition());
                g.writeNumberField("offset", a.offset());
            }
            case RecordResult.Rejected r -> {
                g.writeStringField("status", "rejected");
                g.writeStringField("reason", r.reason());
                writeErrors(g, r.errors());
            }
            case RecordResult.Unavailable u -> {
                g.writeStringField("status", "unavailable");
                g.writeStringField("reason", u.reason());
                if (u.recordId() != null) g.writeStringField("recordId", u.recordId());
                g.writeStringField("message", u.message());
            }
        }
    }

    public static void writeErrors(JsonGenerator g, List<FieldError> errors) throws IOException {
        g.writeArrayFieldStart("errors");
        for (FieldError e : errors) {
            g.writeStartObject();
            g.writeStringField("path", e.path());
            g.writeStringField("reason", e.reason());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** {@code {"error": code, "message": ..., ...details}}. */
    public static byte[] error(ApiError e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("error", e.code());
            g.writeStringField("message", e.getMessage());
            if (e.retryAfter() != null) g.writeNumberField("retryAfterSeconds", ApiError.retryAfterSeconds(e.retryAfter()));
            for (var d : e.details().entrySet()) {
                if (d.getKey().equals("wwwAuthenticate")) continue;
                g.writeFieldName(d.getKey());
                writeValue(g, d.getValue());
            }
            g.writeEndObject();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        switch (v) {
            case null -> g.writeNull();
            case Integer i -> g.writeNumber(i);
            case Long l -> g.writeNumber(l);
            case Number n -> g.writeNumber(n.doubleValue());
            case Boolean b -> g.writeBoolean(b);
            case FieldError f -> {
                g.writeStartObject();
                g.writeStringField("path", f.path());
                g.writeStringField("reason", f.reason());
                g.writeEndObject();
            }
            case Map<?, ?> m -> {
                g.writeStartObject();
                for (var e : m.entrySet()) {
                    g.writeFieldName(String.valueOf(e.getKey()));
                    writeValue(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> list -> {
                g.writeStartArray();
                for (Object o : list) writeValue(g, o);
                g.writeEndArray();
            }
            default -> g.writeString(v.toString());
        }
    }

    public static JsonGenerator generator(OutputStream out) throws IOException {
        return JSON.createGenerator(out, JsonEncoding.UTF8);
    }
}
