package org.compliancepipeline.sink.cache;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerde;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.sink.runtime.RecordDecoder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;

/**
 * Reads the three input topics into {@link CacheUpdate}s straight from the Avro bytes.
 *
 * <p>Values written with the current schema of their type (the fingerprint in the single-object
 * header says so) are read field by field without building Avro objects, and an enriched record is
 * transcoded into its JSON in the same pass: the bytes are identical to {@link CacheJson#record}'s
 * ({@code CacheDecoderTest} compares them).
 * Values written with an older released schema take the object path ({@link AvroSerde}, which resolves
 * them to the current schema, then {@link CacheUpdate#of}). Corrupt input fails as {@link AvroSerde}
 * fails, with a {@link SerializationException}, and the runtime dead-letters the record.
 */
final class CacheDecoder implements RecordDecoder<CacheUpdate> {
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
        try {
            return transcoders.get().enriched(new Reader(value));
        } catch (RuntimeException e) {
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

    /**
     * Writes an enriched record's JSON while reading it: the same fields, order, escapes and number and
     * time formats as {@link CacheJson#record} (Jackson's defaults: {@code " \\ } and control characters
     * escaped, everything else as UTF-8), straight into a byte buffer.
     */
    static final class Transcoder {
        private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
        private final ArrayList<Tag> tags = new ArrayList<>();
        private byte[] buf = new byte[2048];
        private int len;

        private record Tag(String key, int valueAt, int valueLength) { }

        CacheUpdate.Enriched enriched(Reader in) {
            len = 0;
            raw("{\"recordId\":");
            int idLength = in.length();
            String recordId = new String(in.b, in.pos, idLength, StandardCharsets.UTF_8);
            string(in.b, in.pos, idLength);
            in.pos += idLength;
            stringField(in, ",\"orgId\":");
            stringField(in, ",\"framework\":");
            stringField(in, ",\"controlId\":");
            if (in.union() == 1) stringField(in, ",\"objectiveId\":");
            raw(",\"status\":\"");
            raw(STATUSES[in.index(STATUSES.length)].name());
            raw("\"");
            if (in.union() == 1) {
                raw(",\"score\":");
                number(in.readDouble());
            }
            raw(",\"observedAt\":\"");
            raw(CacheJson.iso(in.readLong()));
            raw("\"");
            stringField(in, ",\"source\":");
            raw(",\"method\":\"");
            raw(METHODS[in.index(METHODS.length)].name());
            raw("\"");
            if (in.union() == 1) stringField(in, ",\"subject\":");
            if (in.union() == 1) stringField(in, ",\"title\":");
            if (in.union() == 1) stringField(in, ",\"description\":");
            raw(",\"evidenceUris\":[");
            stringItems(in);
            raw("],\"tags\":{");
            tags.clear();
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) {
                    String key = in.string();
                    int valueLength = in.length();
                    tags.add(new Tag(key, in.pos, valueLength));
                    in.pos += valueLength;
                }
            }
            if (tags.size() > 1) tags.sort((a, b) -> a.key().compareTo(b.key())); // stable: of equal keys, the last stays last
            boolean first = true;
            for (int i = 0; i < tags.size(); i++) {
                Tag t = tags.get(i);
                // a map holds one value per key: the last one written wins, as in a Java map
                if (i + 1 < tags.size() && t.key().equals(tags.get(i + 1).key())) continue;
                if (!first) raw(",");
                first = false;
                byte[] key = t.key().getBytes(StandardCharsets.UTF_8);
                string(key, 0, key.length);
                raw(":");
                string(in.b, t.valueAt(), t.valueLength());
            }
            raw("}");
            if (in.union() == 1) {
                stringField(in, ",\"control\":{\"title\":");
                stringField(in, ",\"family\":");
                if (in.union() == 1) stringField(in, ",\"familyTitle\":");
                if (in.union() == 1) stringField(in, ",\"parentControlId\":");
                raw(",\"baselines\":[");
                stringItems(in);
                raw("],\"weight\":");
                number(in.readDouble());
                if (in.union() == 1) in.skipString(); // statement: not part of the cached record
                raw("}");
            }
            if (in.union() == 1) {
                stringField(in, ",\"organization\":{\"name\":");
                if (in.union() == 1) stringField(in, ",\"sector\":");
                if (in.union() == 1) stringField(in, ",\"region\":");
                raw("}");
            }
            raw(",\"flags\":[");
            first = true;
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) {
                    raw(first ? "\"" : ",\"");
                    first = false;
                    raw(FLAGS[in.index(FLAGS.length)].name());
                    raw("\"");
                }
            }
            long ingestedAt = in.readLong();
            raw("],\"ingestedAt\":\"");
            raw(CacheJson.iso(ingestedAt));
            raw("\",\"enrichedAt\":\"");
            raw(CacheJson.iso(in.readLong()));
            raw("\"}");
            in.end();
            return new CacheUpdate.Enriched(recordId, ingestedAt, Arrays.copyOf(buf, len));
        }

        private void stringField(Reader in, String prefix) {
            raw(prefix);
            int n = in.length();
            string(in.b, in.pos, n);
            in.pos += n;
        }

        private void stringItems(Reader in) {
            boolean first = true;
            for (long n = in.block(); n != 0; n = in.block()) {
                for (long i = 0; i < n; i++) {
                    if (!first) raw(",");
                    first = false;
                    int length = in.length();
                    string(in.b, in.pos, length);
                    in.pos += length;
                }
            }
        }

        /**
         * A JSON string from UTF-8 bytes. Non-ASCII text goes through a Java string and back (malformed
         * input becomes U+FFFD, as when Avro decodes it), then is written as UTF-8, unescaped.
         */
        private void string(byte[] b, int from, int n) {
            for (int i = from; i < from + n; i++) {
                if (b[i] < 0) {
                    byte[] clean = new String(b, from, n, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
                    escaped(clean, 0, clean.length);
                    return;
                }
            }
            escaped(b, from, n);
        }

        private void escaped(byte[] b, int from, int n) {
            ensure(2 + 6 * n);
            byte[] out = buf;
            int at = len;
            out[at++] = '"';
            for (int i = from, end = from + n; i < end; i++) {
                byte c = b[i];
                if (c >= 0x20 && c != '"' && c != '\\' || c < 0) {
                    out[at++] = c;
                    continue;
                }
                out[at++] = '\\';
                switch (c) {
                    case '"' -> out[at++] = '"';
                    case '\\' -> out[at++] = '\\';
                    case '\b' -> out[at++] = 'b';
                    case '\t' -> out[at++] = 't';
                    case '\n' -> out[at++] = 'n';
                    case '\f' -> out[at++] = 'f';
                    case '\r' -> out[at++] = 'r';
                    default -> {
                        out[at++] = 'u';
                        out[at++] = '0';
                        out[at++] = '0';
                        out[at++] = HEX[c >> 4];
                        out[at++] = HEX[c & 0xF];
                    }
                }
            }
            out[at++] = '"';
            len = at;
        }

        /** As Jackson writes a double: {@link Double#toString}, quoted when not finite. */
        private void number(double d) {
            if (Double.isFinite(d)) {
                raw(Double.toString(d));
            } else {
                raw("\"");
                raw(Double.toString(d));
                raw("\"");
            }
        }

        /** ASCII text as it is. */
        private void raw(String s) {
            int n = s.length();
            ensure(n);
            s.getBytes(0, n, buf, len);
            len += n;
        }

        private void ensure(int n) {
            if (len + n > buf.length) buf = Arrays.copyOf(buf, Math.max(2 * buf.length, len + n));
        }
    }
}
