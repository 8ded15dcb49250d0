package org.compliancepipeline.sink.cache;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerde;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.sink.runtime.RecordDecoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the three input topics into {@link CacheUpdate}s straight from the Avro bytes.
 *
 * <p>Values written with the current schema of their type (the fingerprint in the single-object
 * header says so) are read field by field without building Avro objects, and an enriched record is
 * transcoded into its JSON in the same pass, through the same Jackson generator settings as
 * {@link CacheJson#record}: the bytes are identical ({@code CacheDecoderTest} compares them).
 * Values written with an older released schema take the object path ({@link AvroSerde}, which resolves
 * them to the current schema, then {@link CacheUpdate#of}). Corrupt input fails as {@link AvroSerde}
 * fails, with a {@link SerializationException}, and the runtime dead-letters the record.
 */
final class CacheDecoder implements RecordDecoder<CacheUpdate> {
    /** UTF-8 output; characters outside the BMP as their 4 UTF-8 bytes, as CacheJson's character output gives them after encoding. */
    private static final JsonFactory JSON = JsonFactory.builder().enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8).build();
    private static final ComplianceStatus[] STATUSES = ComplianceStatus.values();
    private static final AssessmentMethod[] METHODS = AssessmentMethod.values();
    private static final EnrichmentFlag[] FLAGS = EnrichmentFlag.values();

    private final String enrichedTopic, statusTopic, scoresTopic;
    /** One transcoding buffer per thread: a decoder is shared by the sink's consumer loops. */
    private final ThreadLocal<Transcoder> transcoders = ThreadLocal.withInitial(Transcoder::new);

    CacheDecoder(CacheSinkConfig config) {
        this.enrichedTopic = config.enrichedTopic();
        this.statusTopic = config.controlStatusTopic();
        this.scoresTopic = config.scoresTopic();
    }

    @Override
    public CacheUpdate decode(String topic, Headers headers, byte[] value) {
        if (topic.equals(enrichedTopic)) return enriched(topic, value);
        if (topic.equals(statusTopic)) return status(topic, value);
        if (topic.equals(scoresTopic)) return score(topic, value);
        throw new SerializationException("sink-cache does not read topic " + topic);
    }

    CacheUpdate enriched(String topic, byte[] value) {
        if (value == null) return null;
        if (!current(AvroSerdes.ENRICHED_RECORD, value)) return CacheUpdate.of(AvroSerdes.ENRICHED_RECORD.deserialize(topic, value));
        Transcoder t = transcoders.get();
        try {
            return t.enriched(new Reader(value));
        } catch (IOException | RuntimeException e) {
            transcoders.remove(); // its generator stopped mid-object: the next record gets a new one
            throw corrupt("EnrichedRecord", topic, e);
        }
    }

    CacheUpdate status(String topic, byte[] value) {
        if (value == null) return null;
        if (!current(AvroSerdes.CONTROL_STATUS, value)) return CacheUpdate.of(AvroSerdes.CONTROL_STATUS.deserialize(topic, value));
        try {
            Reader in = new Reader(value);
            String org = in.string(), framework = in.string(), control = in.string();
            ComplianceStatus status = STATUSES[in.index(STATUSES.length)];
            long observedAt = in.readLong();
            String recordId = in.string();
            if (in.union() == 1) in.skip(8);          // score
            if (in.union() == 1) in.skipString();     // family
            in.skip(8);                               // weight
            in.readLong();                            // updatedAt
            in.end();
            return new CacheUpdate.Status(org, framework, control, status, observedAt, recordId);
        } catch (RuntimeException e) {
            throw corrupt("ControlStatus", topic, e);
        }
    }

    CacheUpdate score(String topic, byte[] value) {
        if (value == null) return null;
        if (!current(AvroSerdes.COMPLIANCE_SCORE, value)) return CacheUpdate.of(AvroSerdes.COMPLIANCE_SCORE.deserialize(topic, value));
        try {
            Reader in = new Reader(value);
            CacheUpdate.Score s = new CacheUpdate.Score(in.string(), in.string(), in.readDouble(), in.readDouble(), in.readDouble(),
                    in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readLong());
            in.end();
            return s;
        } catch (RuntimeException e) {
            throw corrupt("ComplianceScore", topic, e);
        }
    }

    /** Single-object encoded with the type's current schema; anything else takes the object path (which also reports bad headers). */
    private static boolean current(AvroSerde<?> serde, byte[] value) {
        if (value.length < Reader.HEADER || value[0] != (byte) 0xC3 || value[1] != (byte) 0x01) return false;
        long fp = 0;
        for (int i = 9; i >= 2; i--) fp = (fp << 8) | (value[i] & 0xFFL);
        return fp == serde.fingerprint();
    }

    private static SerializationException corrupt(String type, String topic, Exception e) {
        return new SerializationException("Cannot decode " + type + " (topic " + topic + "): corrupt body for the current schema ("
                + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }

    /** Avro binary encoding, as far as these schemas use it. Out of bounds input throws. */
    static final class Reader {
        static final int HEADER = 10;
        final byte[] b;
        int pos = HEADER;

        Reader(byte[] b) {
            this.b = b;
        }

        long readLong() {
            long n = 0;
            int shift = 0;
            while (true) {
                int x = b[pos++];
                n |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) break;
                shift += 7;
                if (shift > 63) throw new IllegalArgumentException("invalid long encoding");
            }
            return (n >>> 1) ^ -(n & 1);
        }

        int readInt() {
            long n = readLong();
            if (n != (int) n) throw new IllegalArgumentException("int out of range: " + n);
            return (int) n;
        }

        double readDouble() {
            check(8);
            long bits = (b[pos] & 0xFFL) | (b[pos + 1] & 0xFFL) << 8 | (b[pos + 2] & 0xFFL) << 16 | (b[pos + 3] & 0xFFL) << 24
                    | (b[pos + 4] & 0xFFL) << 32 | (b[pos + 5] & 0xFFL) << 40 | (b[pos + 6] & 0xFFL) << 48 | (b[pos + 7] & 0xFFL) << 56;
            pos += 8;
            return Double.longBitsToDouble(bits);
        }

        /** Length of the string or bytes that follows; moves to its first byte. */
        int length() {
            long n = readLong();
            if (n < 0 || n > b.length - pos) throw new IllegalArgumentException("invalid length " + n);
            return (int) n;
        }

        String string() {
            int n = length();
            String s = new String(b, pos, n, StandardCharsets.UTF_8);
            pos += n;
            return s;
        }

        void skipString() {
            int n = length(); // before reading pos: length() moves it
            pos += n;
        }

        void skip(int n) {
            check(n);
            pos += n;
        }

        int index(int size) {
            long i = readLong();
            if (i < 0 || i >= size) throw new IllegalArgumentException("index " + i + " out of 0.." + (size - 1));
            return (int) i;
        }

        /** Branch of a ["null", X] union: 0 or 1. */
        int union() {
            return index(2);
        }

        /** Item count of the next array or map block (0 ends it); a negative count is followed by the block's size in bytes. */
        long block() {
            long n = readLong();
            if (n < 0) {
                readLong();
                n = -n;
            }
            if (n > b.length - pos) throw new IllegalArgumentException("invalid block count " + n);
            return n;
        }

        boolean ascii(int from, int n) {
            for (int i = from; i < from + n; i++) if (b[i] < 0) return false;
            return true;
        }

        void end() {
            if (pos != b.length) throw new IllegalArgumentException("trailing bytes after the record body");
        }

        private void check(int n) {
            if (n > b.length - pos) throw new IllegalArgumentException("truncated");
        }
    }

    /** Writes an enriched record's JSON while reading it: the same fields, order and formats as {@link CacheJson#record}. */
    static final class Transcoder {
        private final Out out = new Out();
        private final JsonGenerator g;
        private final List<String[]> tags = new ArrayList<>();

        Transcoder() {
            try {
                g = JSON.createGenerator(out, JsonEncoding.UTF8);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            g.setRootValueSeparator(null);
        }

        CacheUpdate.Enriched enriched(Reader in) throws IOException {
            out.reset();
            g.writeStartObject();
            int at = in.pos;
            String recordId = in.string();
            g.writeFieldName("recordId");
            g.writeString(recordId);
            stringField(in, "orgId");
            stringField(in, "framework");
            stringField(in, "controlId");
            if (in.union() == 1) stringField(in, "objectiveId");
            g.writeStringField("status", STATUSES[in.index(STATUSES.length)].name());
            if (in.union() == 1) g.writeNumberField("score", in.readDouble());
            g.writeStringField("observedAt", Instant.ofEpochMilli(in.readLong()).toString());
            stringField(in, "source");
            g.writeStringField("method", METHODS[in.index(METHODS.length)].name());
            if (in.union() == 1) stringField(in, "subject");
            if (in.union() == 1) stringField(in, "title");
            if (in.union() == 1) stringField(in, "description");
            g.writeArrayFieldStart("evidenceUris");
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) string(in);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("tags");
            tags.clear();
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) tags.add(new String[]{in.string(), in.string()});
            }
            if (tags.size() > 1) tags.sort((a, b) -> a[0].compareTo(b[0]));
            // a map holds one value per key: the last one written wins, as in a Java map
            for (int i = 0; i < tags.size(); i++) {
                if (i + 1 < tags.size() && tags.get(i)[0].equals(tags.get(i + 1)[0])) continue;
                g.writeStringField(tags.get(i)[0], tags.get(i)[1]);
            }
            g.writeEndObject();
            if (in.union() == 1) {
                g.writeObjectFieldStart("control");
                stringField(in, "title");
                stringField(in, "family");
                if (in.union() == 1) stringField(in, "familyTitle");
                if (in.union() == 1) stringField(in, "parentControlId");
                g.writeArrayFieldStart("baselines");
                for (long n = in.block(); n != 0; n = in.block()) {
                    for (long i = 0; i < n; i++) string(in);
                }
                g.writeEndArray();
                g.writeNumberField("weight", in.readDouble());
                if (in.union() == 1) in.skipString(); // statement: not part of the cached record
                g.writeEndObject();
            }
            if (in.union() == 1) {
                g.writeObjectFieldStart("organization");
                stringField(in, "name");
                if (in.union() == 1) stringField(in, "sector");
                if (in.union() == 1) stringField(in, "region");
                g.writeEndObject();
            }
            g.writeArrayFieldStart("flags");
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) g.writeString(FLAGS[in.index(FLAGS.length)].name());
            }
            g.writeEndArray();
            long ingestedAt = in.readLong();
            g.writeStringField("ingestedAt", Instant.ofEpochMilli(ingestedAt).toString());
            g.writeStringField("enrichedAt", Instant.ofEpochMilli(in.readLong()).toString());
            g.writeEndObject();
            in.end();
            g.flush();
            byte[] json = out.toByteArray();
            out.reset();
            return new CacheUpdate.Enriched(recordId, ingestedAt, json);
        }

        private void stringField(Reader in, String name) throws IOException {
            g.writeFieldName(name);
            string(in);
        }

        /** An Avro string as a JSON string: ASCII bytes are escaped as they are, anything else goes through a Java string as in CacheJson. */
        private void string(Reader in) throws IOException {
            int n = in.length();
            if (in.ascii(in.pos, n)) {
                g.writeUTF8String(in.b, in.pos, n);
                in.pos += n;
            } else {
                g.writeString(new String(in.b, in.pos, n, StandardCharsets.UTF_8));
                in.pos += n;
            }
        }
    }

    /** A reusable output buffer. */
    private static final class Out extends ByteArrayOutputStream {
        Out() {
            super(1024);
        }

        @Override
        public synchronized byte[] toByteArray() {
            return Arrays.copyOf(buf, count);
        }
    }
}
