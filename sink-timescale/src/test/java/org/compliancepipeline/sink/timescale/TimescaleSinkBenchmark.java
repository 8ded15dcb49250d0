package org.compliancepipeline.sink.timescale;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Topic;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;
import org.postgresql.PGConnection;

import java.io.ByteArrayInputStream;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Rows/s from Kafka into PostgreSQL through sink-timescale, and in the same run the raw limit: a
 * COPY of the same rows, in batches of the same size, into the same table with its primary key.
 *
 * <pre>bin/bench sink-timescale [--records 1000000] [--batch 10000] [--consumers 2]</pre>
 */
public final class TimescaleSinkBenchmark {
    public static void main(String[] args) throws Exception {
        Map<String, String> opts = options(args);
        int records = Integer.parseInt(opts.getOrDefault("records", "1000000"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "10000"));
        int consumers = Integer.parseInt(opts.getOrDefault("consumers", "2"));
        Infra infra = RealInfraExtension.infra();
        String run = UUID.randomUUID().toString().substring(0, 8);

        try (TestDatabase db = new TestDatabase(infra);
             KafkaClients kafka = new KafkaClients(KafkaConfig.local(infra.kafkaBootstrapServers()), new SimpleMeterRegistry())) {
            TimescaleSinkConfig config = db.config("bench-" + run);
            try (Admin admin = kafka.admin("bench")) {
                TopicAdmin.ensureTopics(admin, List.of(
                        new Topic<>(config.enrichedTopic(), Topics.ENRICHED.keySerde(), Topics.ENRICHED.valueSerde(), 12, Map.of()),
                        new Topic<>(config.controlStatusTopic(), Topics.CONTROL_STATUS.keySerde(), Topics.CONTROL_STATUS.valueSerde(), 1, Map.of()),
                        new Topic<>(config.scoresTopic(), Topics.SCORES.keySerde(), Topics.SCORES.valueSerde(), 1, Map.of()),
                        new Topic<>(config.statsTopic(), Topics.STATS_HOURLY.keySerde(), Topics.STATS_HOURLY.valueSerde(), 1, Map.of()),
                        Topics.SINK_TIMESCALE_DLQ), (short) 1, Duration.ofSeconds(30));
            }
            System.out.printf("producing %,d enriched records...%n", records);
            long p0 = System.nanoTime();
            try (KafkaProducer<String, EnrichedRecord> p = kafka.producer("bench", Topics.ENRICHED)) {
                for (int i = 0; i < records; i++) {
                    EnrichedRecord r = Enriched.of(i);
                    p.send(new ProducerRecord<>(config.enrichedTopic(), r.getRecord().getOrgId(), r));
                }
                p.flush();
            }
            System.out.printf("produced in %.1f s%n", (System.nanoTime() - p0) / 1e9);

            // 1. The sink: from start until every row is stored (positions cover every record).
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            SinkConfig sinkConfig = new SinkConfig("sink-timescale", "bench-" + run, config.topics(), Topics.SINK_TIMESCALE_DLQ.name(),
                    consumers, batch, 64L << 20, Duration.ofMillis(200), Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(30), batch);
            // The clock starts at the first committed batch: joining the group and the first fetch are start-up, reported apart.
            long s0 = System.nanoTime(), first = 0, firstCount = 0;
            double sinkSeconds;
            try (TimescaleSink sink = TimescaleSink.start(sinkConfig, config, kafka, registry)) {
                long done;
                while ((done = db.count("SELECT coalesce(sum(next_offset), 0) FROM sink_offsets")) < records) {
                    if (first == 0 && done > 0) {
                        first = System.nanoTime();
                        firstCount = done;
                    }
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                sinkSeconds = (System.nanoTime() - first) / 1e9;
            }
            double startupSeconds = (first - s0) / 1e9;
            long stored = db.count("SELECT count(*) FROM compliance_records");
            if (stored != records) throw new IllegalStateException("stored " + stored + " rows, expected " + records);
            double sinkRate = (records - firstCount) / sinkSeconds;
            Timer write = registry.get("sink.write").timer();
            double p50 = percentile(write, 0.5), p99 = percentile(write, 0.99);
            System.out.printf("sink: %,d rows in %.2f s = %,.0f rows/s (write p50 %.1f ms, p99 %.1f ms)%n", records, sinkSeconds, sinkRate, p50, p99);

            // 2. The limit: COPY of the same rows, same batch size, same table and primary key; binary (what the
            //    sink sends) is the limit, text is reported for comparison.
            double copySeconds = rawCopy(db, records, batch, true);
            double copyRate = records / copySeconds;
            double textRate = records / rawCopy(db, records, batch, false);
            System.out.printf("raw COPY: binary %,.0f rows/s, text %,.0f rows/s%n", copyRate, textRate);

            new BenchReport("sink-timescale", System.getProperty("pipeline.bench.command", "bin/bench sink-timescale"))
                    .rate(sinkRate, "rows/s").limitRate(copyRate)
                    .latency("p50", p50).latency("p99", p99)
                    .figure("latency_of", "one batch write (COPY + status/score/stat upserts + offsets, one transaction)")
                    .figure("limit", "binary COPY FROM STDIN of the same rows, same batch size, one transaction each, into compliance_records with its primary key")
                    .figure("raw_text_copy_rate", textRate)
                    .figure("startup_seconds", startupSeconds)
                    .figure("records", records).figure("batch_records", batch).figure("consumers", consumers)
                    .figure("postgres", "plain PostgreSQL layout (no TimescaleDB here)")
                    .figure("goal_ratio", 0.6).figure("goal_rate", 120000)
                    .write();
        }
    }

    /** Seconds spent in COPY + commit only (rows are built outside the clock). */
    private static double rawCopy(TestDatabase db, int records, int batch, boolean binary) throws Exception {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE compliance_records");
            c.setAutoCommit(false);
            CopyBinary bin = new CopyBinary(RecordRows.FIELDS);
            CopyText text = new CopyText();
            long nanos = 0;
            for (int from = 0; from < records; from += batch) {
                byte[] rows;
                if (binary) {
                    bin.clear();
                    for (int i = from; i < Math.min(records, from + batch); i++) RecordRows.append(bin, Enriched.of(i));
                    rows = bin.finish();
                } else {
                    text.clear();
                    for (int i = from; i < Math.min(records, from + batch); i++) RecordRows.append(text, Enriched.of(i));
                    rows = text.bytes();
                }
                long t = System.nanoTime();
                c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY compliance_records (" + RecordRows.COLUMNS + ") FROM STDIN"
                        + (binary ? " (FORMAT binary)" : ""), new ByteArrayInputStream(rows), 1 << 16);
                c.commit();
                nanos += System.nanoTime() - t;
            }
            return nanos / 1e9;
        }
    }

    private static double percentile(Timer timer, double p) {
        for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
            if (v.percentile() == p) return v.value(TimeUnit.MILLISECONDS);
        }
        return Double.NaN;
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> out = new java.util.HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) out.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        return out;
    }
}
