package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.CharConversionException;
import java.io.IOException;

/**
 * Parses request bodies with the API's limits: nesting depth (a 10,000-deep document is refused
 * at the limit, not parsed), strict UTF-8, no duplicate keys, nothing after the document. Errors
 * become 400s naming line and column.
 */
public final class JsonBody {
    private final ObjectMapper mapper;
    private final JsonFactory streaming;
    private final int maxDepth;

    public JsonBody(int maxDepth) {
        this.maxDepth = maxDepth;
        StreamReadConstraints limits = StreamReadConstraints.builder().maxNestingDepth(maxDepth).build();
        JsonFactory strict = JsonFactory.builder().streamReadConstraints(limits)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        this.mapper = new ObjectMapper(strict).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // The record reader checks duplicate fields itself, cheaper than a hash set per object,
        // and re-reads anything unusual with the strict mapper above.
        this.streaming = JsonFactory.builder().streamReadConstraints(limits).build();
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** @param what how the error names the input, e.g. "request body" or "line 7" */
    public JsonNode parse(byte[] bytes, int offset, int length, String what) {
        try (JsonParser parser = mapper.createParser(bytes, offset, length)) {
            JsonNode node = mapper.readTree(parser);
            if (node == null || node.isMissingNode()) throw ApiError.of(400, "empty_body", what + " is empty");
            return node;
        } catch (IOException e) {
            throw error(e, what);
        }
    }

    /**
     * A streaming parser over the bytes with the API's depth limit, for the record reader (which
     * detects duplicate fields itself); its errors go through {@link #error}.
     */
    public JsonParser parser(byte[] bytes) {
        try {
            return streaming.createParser(bytes);
        } catch (IOException e) {
            throw error(e, "the request body");
        }
    }

    /** The 400 answer for a body that cannot be read as JSON. */
    public ApiError error(IOException failure, String what) {
        return switch (failure) {
            case StreamConstraintsException e -> located(400, "json_too_deep", what + " is nested deeper than " + maxDepth + " levels", e);
            case CharConversionException e -> ApiError.of(400, "invalid_utf8", what + " is not valid UTF-8: " + e.getMessage());
            case JsonProcessingException e when e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Invalid UTF-8") ->
                    located(400, "invalid_utf8", what + " is not valid UTF-8: " + e.getOriginalMessage(), e);
            case JsonProcessingException e -> located(400, "malformed_json", what + " is not valid JSON: " + firstLine(e.getOriginalMessage()), e);
            default -> ApiError.of(400, "malformed_json", what + " cannot be read: " + failure.getMessage());
        };
    }

    private static ApiError located(int status, String code, String message, JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        if (loc == null || loc.getLineNr() < 0) return ApiError.of(status, code, message);
        return ApiError.of(status, code, message + " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")")
                .with("line", loc.getLineNr()).with("column", loc.getColumnNr());
    }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
