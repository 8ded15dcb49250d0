package org.compliancepipeline.streams;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.OrganizationContext;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Writes {@link EnrichedRecord}s in the project's single-object encoding without encoding what is
 * already encoded. Avro's binary form of a record is the concatenation of its fields, so an
 * EnrichedRecord is: the header, the ComplianceRecord's body, the control and organisation
 * unions, the flags and two timestamps. The ComplianceRecord body is copied from the input bytes
 * when they were written with the current ComplianceRecord schema (the fingerprint in their
 * header says so); the control and organisation contexts are encoded once per context instance
 * ({@link Enrichment} reuses one per catalog entry). Anything else (input written with an older
 * schema, no input bytes) goes through the regular serializer. The bytes decode to the same
 * EnrichedRecord either way ({@code EnrichedSerializerTest}).
 */
final class EnrichedSerializer implements Serializer<Enriched> {
    private static final int HEADER = 10;
    private static final int CONTEXT_CACHE = 20_000;
    private static final byte[] ENRICHED_HEADER = header(AvroSerdes.ENRICHED_RECORD.fingerprint());
    private static final byte[] RECORD_HEADER = header(AvroSerdes.COMPLIANCE_RECORD.fingerprint());

    /** The serde of the enriched topic's values in the topology (decoding is the regular one). */
    static final Serde<Enriched> SERDE = Serdes.serdeFrom(new EnrichedSerializer(),
            (topic, data) -> data == null ? null : new Enriched(AvroSerdes.ENRICHED_RECORD.deserialize(topic, data), null));

    /** Encoded contexts by instance; per thread (serializers are shared by the stream threads). */
    private final ThreadLocal<Map<Object, byte[]>> contexts = ThreadLocal.withInitial(IdentityHashMap::new);
    private final SpecificDatumWriter<ControlContext> controlWriter = new SpecificDatumWriter<>(ControlContext.class);
    private final SpecificDatumWriter<OrganizationContext> orgWriter = new SpecificDatumWriter<>(OrganizationContext.class);

    @Override
    public byte[] serialize(String topic, Enriched enriched) {
        if (enriched == null) return null;
        byte[] in = enriched.received();
        EnrichedRecord e = enriched.value();
        if (in == null || in.length < HEADER || !Arrays.equals(in, 0, HEADER, RECORD_HEADER, 0, HEADER)) {
            return AvroSerdes.ENRICHED_RECORD.serialize(topic, e);
        }
        byte[] control = union(e.getControl(), controlWriter);
        byte[] org = union(e.getOrganization(), orgWriter);
        int size = HEADER + (in.length - HEADER) + control.length + org.length + 10 * (2 + e.getFlags().size()) + 2 * 10;
        Writer w = new Writer(size);
        w.put(ENRICHED_HEADER, 0, HEADER);
        w.put(in, HEADER, in.length - HEADER);
        w.put(control, 0, control.length);
        w.put(org, 0, org.length);
        if (!e.getFlags().isEmpty()) {
            w.varLong(e.getFlags().size());
            for (EnrichmentFlag f : e.getFlags()) w.varLong(f.ordinal());
        }
        w.varLong(0);
        w.varLong(e.getIngestedAt().toEpochMilli());
        w.varLong(e.getEnrichedAt().toEpochMilli());
        return w.bytes();
    }

    /** A {@code ["null", T]} union: branch 0 alone, or branch 1 and the record. */
    private <T extends SpecificRecord> byte[] union(T context, SpecificDatumWriter<T> writer) {
        if (context == null) return new byte[] {0};
        Map<Object, byte[]> cache = contexts.get();
        byte[] encoded = cache.get(context);
        if (encoded == null) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(128);
            out.write(2);                                           // branch 1, zig-zag encoded
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            try {
                writer.write(context, encoder);
                encoder.flush();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            encoded = out.toByteArray();
            if (cache.size() >= CONTEXT_CACHE) cache.clear();
            cache.put(context, encoded);
        }
        return encoded;
    }

    private static byte[] header(long fingerprint) {
        byte[] h = new byte[HEADER];
        h[0] = (byte) 0xC3;
        h[1] = 0x01;
        for (int i = 0; i < 8; i++) h[2 + i] = (byte) (fingerprint >>> (8 * i));
        return h;
    }

    private static final class Writer {
        private final byte[] buf;
        private int pos;

        Writer(int capacity) {
            buf = new byte[capacity];
        }

        void put(byte[] b, int off, int len) {
            System.arraycopy(b, off, buf, pos, len);
            pos += len;
        }

        /** Avro's long: zig-zag, then 7 bits per byte, least significant first. */
        void varLong(long n) {
            long v = (n << 1) ^ (n >> 63);
            while ((v & ~0x7FL) != 0) {
                buf[pos++] = (byte) ((v & 0x7F) | 0x80);
                v >>>= 7;
            }
            buf[pos++] = (byte) v;
        }

        byte[] bytes() {
            return Arrays.copyOf(buf, pos);
        }
    }
}
