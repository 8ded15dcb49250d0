package org.compliancepipeline.sink.timescale;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.schemas.AvroSerde;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.Topics;
import org.compliancepipeline.sink.runtime.RecordDecoder;
import org.compliancepipeline.sink.runtime.SinkConfig;
import org.compliancepipeline.sink.runtime.SinkRuntime;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Wires sink-timescale: pool, schema migrations, time-series layout, the sink loops, background maintenance. */
public final class TimescaleSink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TimescaleSink.class);
    public static final String NAME = "sink-timescale";

    private final HikariDataSource dataSource;
    private final SinkRuntime<Object> runtime;
    private final ScheduledExecutorService maintenance;
    private final boolean timescale;

    private TimescaleSink(HikariDataSource dataSource, SinkRuntime<Object> runtime, ScheduledExecutorService maintenance, boolean timescale) {
        this.dataSource = dataSource;
        this.runtime = runtime;
        this.maintenance = maintenance;
        this.timescale = timescale;
    }

    public static TimescaleSink start(SinkConfig sinkConfig, TimescaleSinkConfig config, KafkaClients kafka, MeterRegistry registry) throws SQLException {
        HikariDataSource ds = dataSource(config, registry);
        try {
            migrate(ds, config);
            boolean timescale = TimeSeriesLayout.isTimescale(ds);
            if (timescale) TimeSeriesLayout.applyTimescalePolicies(ds, config);
            log.info("schema ready on {} ({})", config.jdbcUrl(), timescale ? "timescaledb" : "plain postgresql");

            Map<String, AvroSerde<? extends SpecificRecord>> serdes = new java.util.HashMap<>(Map.of(
                    config.enrichedTopic(), AvroSerdes.ENRICHED_RECORD,
                    config.controlStatusTopic(), AvroSerdes.CONTROL_STATUS,
                    config.scoresTopic(), AvroSerdes.COMPLIANCE_SCORE,
                    config.statsTopic(), AvroSerdes.COMPLIANCE_STATS));
            if (config.auditTopic() != null) serdes.put(config.auditTopic(), AvroSerdes.QUERY_AUDIT);
            // Enriched records of the current schema version stay bytes: the writer transcodes them straight to COPY rows.
            RecordDecoder<Object> decoder = (topic, headers, bytes) ->
                    topic.equals(config.enrichedTopic()) && EnrichedTranscoder.handles(bytes)
                            ? new RawEnriched(bytes) : serdes.get(topic).deserialize(topic, bytes);
            SinkRuntime<Object> runtime = SinkRuntime.start(sinkConfig, kafka, registry, decoder, Topics.SINK_TIMESCALE_DLQ,
                    () -> new TimescaleWriter(ds, sinkConfig.groupId()));

            ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("timescale-maintenance").factory());
            if (!timescale) {
                long every = Math.max(1, config.rollupRefresh().toSeconds());
                maintenance.scheduleWithFixedDelay(() -> quietly("rollup refresh", () -> TimeSeriesLayout.refreshRollups(ds)), every, every, TimeUnit.SECONDS);
                if (!config.retention().isZero()) {
                    maintenance.scheduleWithFixedDelay(() -> quietly("retention", () -> {
                        long n = TimeSeriesLayout.enforceRetention(ds, config.retention());
                        if (n > 0) log.info("retention: deleted {} rows older than {}", n, config.retention());
                    }), 1, 60, TimeUnit.MINUTES);
                }
            }
            return new TimescaleSink(ds, runtime, maintenance, timescale);
        } catch (RuntimeException | SQLException e) {
            ds.close();
            throw e;
        }
    }

    static void migrate(HikariDataSource ds, TimescaleSinkConfig config) {
        Flyway.configure()
                .dataSource(ds)
                .locations("classpath:db/migration")
                .placeholders(Map.of("timescaleMode", config.timescaleMode(),
                        "chunkInterval", TimeSeriesLayout.interval(config.chunkInterval())))
                .load()
                .migrate();
    }

    static HikariDataSource dataSource(TimescaleSinkConfig config, MeterRegistry registry) {
        HikariConfig h = new HikariConfig();
        h.setJdbcUrl(config.jdbcUrl());
        h.setUsername(config.user());
        h.setPassword(config.password().value());
        h.setMaximumPoolSize(config.poolSize());
        h.setPoolName(NAME);
        h.setConnectionTimeout(10_000);
        h.setValidationTimeout(3_000);
        h.setInitializationFailTimeout(-1); // start even when PostgreSQL is down; writes retry until it is back
        h.addDataSourceProperty("reWriteBatchedInserts", "true");
        h.addDataSourceProperty("tcpKeepAlive", "true");
        h.addDataSourceProperty("socketTimeout", "120");
        h.setMetricRegistry(registry);
        return new HikariDataSource(h);
    }

    public HealthCheck health() {
        return runtime.health();
    }

    public boolean timescale() {
        return timescale;
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    private interface SqlTask { void run() throws SQLException; }

    private static void quietly(String what, SqlTask task) {
        try {
            task.run();
        } catch (SQLException | RuntimeException e) {
            log.warn("{} failed: {}", what, e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        maintenance.shutdownNow();
        runtime.close();
        dataSource.close();
    }
}
