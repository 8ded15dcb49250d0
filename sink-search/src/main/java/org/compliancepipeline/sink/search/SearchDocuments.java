package org.compliancepipeline.sink.search;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.StatusOrder;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Bulk actions as NDJSON bytes: the action line and the document, written straight into a reusable
 * buffer by Jackson's streaming generator (no intermediate objects). Field names are the Avro
 * names (camelCase), context objects flattened into the record; nulls are left out.
 *
 * <p>One instance per writer thread.
 */
final class SearchDocuments {
    private final Buffer buffer = new Buffer();
    private final JsonGenerator gen;

    SearchDocuments(JsonFactory factory) {
        try {
            gen = factory.createGenerator((OutputStream) buffer);
            gen.setRootValueSeparator(null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The bytes of the last action written; valid until the next call. */
    Buffer buffer() {
        return buffer;
    }

    /** {@code create}: a record is stored once under its recordId; a replay meets 409 and changes nothing. */
    void createRecord(String index, EnrichedRecord e) throws IOException {
        buffer.reset();
        ComplianceRecord r = e.getRecord();
        gen.writeStartObject();
        gen.writeObjectFieldStart("create");
        gen.writeStringField("_index", index);
        gen.writeStringField("_id", r.getRecordId());
        gen.writeEndObject();
        gen.writeEndObject();
        newline();

        gen.writeStartObject();
        gen.writeStringField("recordId", r.getRecordId());
        gen.writeStringField("orgId", r.getOrgId());
        OrganizationContext org = e.getOrganization();
        if (org != null) {
            string("orgName", org.getName());
            string("sector", org.getSector());
            string("region", org.getRegion());
        }
        gen.writeStringField("framework", r.getFramework());
        gen.writeStringField("controlId", r.getControlId());
        string("objectiveId", r.getObjectiveId());
        ControlContext control = e.getControl();
        if (control != null) {
            string("controlTitle", control.getTitle());
            string("family", control.getFamily());
            string("familyTitle", control.getFamilyTitle());
            string("parentControlId", control.getParentControlId());
            strings("baselines", control.getBaselines());
            gen.writeNumberField("weight", control.getWeight());
            string("controlStatement", control.getStatement());
        }
        gen.writeStringField("status", r.getStatus().name());
        if (r.getScore() != null) gen.writeNumberField("score", r.getScore());
        time("observedAt", r.getObservedAt());
        gen.writeStringField("source", r.getSource());
        gen.writeStringField("method", r.getMethod().name());
        string("subject", r.getSubject());
        string("title", r.getTitle());
        string("description", r.getDescription());
        strings("evidenceUris", r.getEvidenceUris());
        Map<String, String> tags = r.getTags();
        if (tags != null && !tags.isEmpty()) {
            String[] keys = tags.keySet().toArray(String[]::new);
            Arrays.sort(keys); // a stable order, so the same record always gives the same bytes
            gen.writeObjectFieldStart("tags");
            for (String k : keys) gen.writeStringField(k, tags.get(k));
            gen.writeEndObject();
            gen.writeArrayFieldStart("tagKeys");
            for (String k : keys) gen.writeString(k);
            gen.writeEndArray();
            gen.writeArrayFieldStart("tagPairs");
            for (String k : keys) gen.writeString(k + "=" + tags.get(k));
            gen.writeEndArray();
        }
        List<EnrichmentFlag> flags = e.getFlags();
        if (flags != null && !flags.isEmpty()) {
            gen.writeArrayFieldStart("flags");
            for (EnrichmentFlag f : flags) gen.writeString(f.name());
            gen.writeEndArray();
        }
        time("ingestedAt", e.getIngestedAt());
        time("enrichedAt", e.getEnrichedAt());
        gen.writeEndObject();
        newline();
    }

    /**
     * {@code index} with external versioning: the version orders statuses like the stream
     * processor does (later observedAt, then the more severe status), so an older status is
     * refused with 409 and the same one again is a 409 that changes nothing.
     */
    void indexStatus(String index, String id, ControlStatus s) throws IOException {
        buffer.reset();
        gen.writeStartObject();
        gen.writeObjectFieldStart("index");
        gen.writeStringField("_index", index);
        gen.writeStringField("_id", id);
        gen.writeNumberField("version", statusVersion(s));
        gen.writeStringField("version_type", "external");
        gen.writeEndObject();
        gen.writeEndObject();
        newline();

        gen.writeStartObject();
        gen.writeStringField("orgId", s.getOrgId());
        gen.writeStringField("framework", s.getFramework());
        gen.writeStringField("controlId", s.getControlId());
        gen.writeStringField("status", s.getStatus().name());
        gen.writeBooleanField("failing", failing(s.getStatus()));
        time("observedAt", s.getObservedAt());
        gen.writeStringField("recordId", s.getRecordId());
        if (s.getScore() != null) gen.writeNumberField("score", s.getScore());
        string("family", s.getFamily());
        gen.writeNumberField("weight", s.getWeight());
        time("updatedAt", s.getUpdatedAt());
        gen.writeEndObject();
        newline();
    }

    /** A tombstone on the compacted status topic: the control no longer has a status. */
    void deleteStatus(String index, String id) throws IOException {
        buffer.reset();
        gen.writeStartObject();
        gen.writeObjectFieldStart("delete");
        gen.writeStringField("_index", index);
        gen.writeStringField("_id", id);
        gen.writeEndObject();
        gen.writeEndObject();
        newline();
    }

    /**
     * {@link StatusOrder#rank}: Elasticsearch's external version (a non-negative long) holding the
     * order every store keeps, up to the recordId tie-break.
     */
    static long statusVersion(ControlStatus s) {
        return StatusOrder.rank(s.getObservedAt().toEpochMilli(), s.getStatus());
    }

    static boolean failing(ComplianceStatus status) {
        return status == ComplianceStatus.NOT_SATISFIED || status == ComplianceStatus.PARTIALLY_SATISFIED;
    }

    private void string(String field, String value) throws IOException {
        if (value != null) gen.writeStringField(field, value);
    }

    private void strings(String field, List<String> values) throws IOException {
        if (values == null || values.isEmpty()) return;
        gen.writeArrayFieldStart(field);
        for (String v : values) gen.writeString(v);
        gen.writeEndArray();
    }

    private void time(String field, Instant value) throws IOException {
        if (value != null) gen.writeStringField(field, value.toString());
    }

    private void newline() throws IOException {
        gen.flush();
        buffer.write('\n');
    }

    /** A growable byte array the generator writes into; reset per action, read without copying. */
    static final class Buffer extends OutputStream {
        private byte[] bytes = new byte[4096];
        private int size;

        void reset() {
            size = 0;
        }

        byte[] array() {
            return bytes;
        }

        int size() {
            return size;
        }

        @Override
        public void write(int b) {
            ensure(1);
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, bytes, size, len);
            size += len;
        }

        private void ensure(int more) {
            if (size + more > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
        }
    }
}
