package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.compliancepipeline.ingest.records.Candidate;
import org.compliancepipeline.ingest.records.RecordReader;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Request bodies to candidate records in one streaming pass: one record, or a batch (a JSON
 * array). The body must be one well-formed JSON document whatever its records hold; records are
 * judged one by one, so one bad record never costs the others.
 */
final class RecordBodies {
    private final JsonBody json;
    private final RecordReader reader;
    private final int maxBatchRecords;

    RecordBodies(JsonBody json, RecordReader reader, int maxBatchRecords) {
        this.json = json;
        this.reader = reader;
        this.maxBatchRecords = maxBatchRecords;
    }

    /**
     * A document holding one record (a request body, a line of a stream).
     *
     * @param what how errors name the input: "the request body", "the line"
     */
    Candidate one(byte[] bytes, String what) {
        try (JsonParser p = json.parser(bytes)) {
            if (p.nextToken() == null) throw ApiError.of(400, "empty_body", what + " is empty");
            Candidate candidate = reader.read(p, bytes, 0);
            requireEnd(p, what);
            return candidate;
        } catch (IOException e) {
            throw json.error(e, what);
        }
    }

    /** A JSON array of records: 400 when it is not one or is empty, 413 beyond the limit. */
    List<Candidate> batch(byte[] bytes) {
        String what = "the request body";
        try (JsonParser p = json.parser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == null) throw ApiError.of(400, "empty_body", what + " is empty");
            if (first != JsonToken.START_ARRAY) {
                p.skipChildren();
                requireEnd(p, what);
                throw ApiError.of(400, "invalid_batch", "the body must be a JSON array of records");
            }
            List<Candidate> candidates = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (candidates.size() == maxBatchRecords) {
                    throw ApiError.of(413, "batch_too_large", "the batch holds more than " + maxBatchRecords + " records, the limit")
                            .with("limitRecords", maxBatchRecords);
                }
                candidates.add(reader.read(p, bytes, 0));
            }
            requireEnd(p, what);
            if (candidates.isEmpty()) throw ApiError.of(400, "empty_batch", "the batch holds no records");
            return candidates;
        } catch (IOException e) {
            throw json.error(e, what);
        }
    }

    private static void requireEnd(JsonParser p, String what) throws IOException {
        if (p.nextToken() != null) {
            JsonLocation at = p.currentTokenLocation();
            throw ApiError.of(400, "malformed_json", what + " is not valid JSON: content after the end of the document (line "
                    + at.getLineNr() + ", column " + at.getColumnNr() + ")").with("line", at.getLineNr()).with("column", at.getColumnNr());
        }
    }
}
