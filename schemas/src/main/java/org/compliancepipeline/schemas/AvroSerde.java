package org.compliancepipeline.schemas;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Kafka serde for a generated Avro record using Avro's single-object encoding: the two marker
 * bytes {@code C3 01}, the writer schema's 64-bit CRC fingerprint (little-endian), then the Avro
 * binary body. No schema registry is needed: the reader knows every released version of the
 * schema ({@link SchemaHistory}) and resolves the writer's version to the current one.
 *
 * <p>Decoding is all-or-nothing. Bytes that are not single-object encoded, an unknown
 * fingerprint, a truncated body or trailing bytes all raise a {@link SerializationException}
 * naming the type and the reason; a half-read record is never returned.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {

    static final byte MARKER_0 = (byte) 0xC3;
    static final byte MARKER_1 = (byte) 0x01;
    static final int HEADER_LENGTH = 10;

    static {
        // Avro only instantiates classes it trusts when it resolves a schema to a generated class;
        // our generated records are trusted in addition to whatever the JVM is configured with.
        ClassSecurityValidator.ClassSecurityPredicate ours =
                c -> c.getPackageName().equals(AvroSerde.class.getPackageName());
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(ClassSecurityValidator.getGlobal(), ours));
    }

    private final Class<T> type;
    private final Schema schema;
    private final long fingerprint;
    private final SpecificDatumWriter<T> writer;
    private final Map<Long, DatumReader<T>> readers;
    private final String knownVersions;

    public AvroSerde(Class<T> type, Schema current, SchemaHistory history) {
        this.type = type;
        this.schema = current;
        this.fingerprint = SchemaNormalization.parsingFingerprint64(current);
        SpecificData model = SpecificData.getForClass(type);
        this.writer = new SpecificDatumWriter<>(current, model);
        Map<Long, DatumReader<T>> byFingerprint = new HashMap<>();
        for (SchemaHistory.Released released : history.versions()) {
            byFingerprint.put(released.fingerprint(), new SpecificDatumReader<>(released.schema(), current, model));
        }
        byFingerprint.put(fingerprint, new SpecificDatumReader<>(current, current, model));
        this.readers = Map.copyOf(byFingerprint);
        this.knownVersions = history.versions().stream()
                .map(r -> "v" + r.version() + "=" + hex(r.fingerprint()))
                .collect(Collectors.joining(", "));
    }

    public Class<T> type() { return type; }

    public Schema schema() { return schema; }

    public long fingerprint() { return fingerprint; }

    @Override
    public byte[] serialize(String topic, T datum) {
        if (datum == null) return null;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(256);
            out.write(MARKER_0);
            out.write(MARKER_1);
            long fp = fingerprint;
            for (int i = 0; i < 8; i++) {
                out.write((int) (fp & 0xFF));
                fp >>>= 8;
            }
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            writer.write(datum, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("Cannot encode " + type.getSimpleName() + where(topic) + ": " + e.getMessage(), e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) return null;
        if (data.length < HEADER_LENGTH || data[0] != MARKER_0 || data[1] != MARKER_1) {
            throw new SerializationException("Cannot decode " + type.getSimpleName() + where(topic)
                    + ": not Avro single-object encoded (expected header C3 01 + 8-byte fingerprint, got "
                    + data.length + " bytes starting " + preview(data) + ")");
        }
        long fp = 0;
        for (int i = 9; i >= 2; i--) fp = (fp << 8) | (data[i] & 0xFFL);
        DatumReader<T> reader = readers.get(fp);
        if (reader == null) {
            throw new SerializationException("Cannot decode " + type.getSimpleName() + where(topic)
                    + ": unknown schema fingerprint " + hex(fp) + " (released versions: " + knownVersions + ")");
        }
        try {
            BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, HEADER_LENGTH, data.length - HEADER_LENGTH, null);
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("Cannot decode " + type.getSimpleName() + where(topic)
                        + ": trailing bytes after the record body");
            }
            return value;
        } catch (SerializationException e) {
            throw e;
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | ClassCastException | IllegalArgumentException e) {
            throw new SerializationException("Cannot decode " + type.getSimpleName() + where(topic)
                    + ": corrupt body for schema " + hex(fp) + " (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
        }
    }

    @Override public Serializer<T> serializer() { return this; }
    @Override public Deserializer<T> deserializer() { return this; }
    @Override public void configure(Map<String, ?> configs, boolean isKey) { }
    @Override public void close() { }

    static String hex(long fingerprint) {
        return "0x" + HexFormat.of().toHexDigits(fingerprint);
    }

    private static String where(String topic) {
        return topic == null ? "" : " (topic " + topic + ")";
    }

    private static String preview(byte[] data) {
        return HexFormat.ofDelimiter(" ").formatHex(data, 0, Math.min(data.length, 10));
    }
}
