package org.compliancepipeline.query.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.QueryAudit;
import org.compliancepipeline.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Writes one {@link QueryAudit} per query to Kafka ({@code compliance.query-audit.v1}), keyed by
 * the key's id; sink-timescale stores them in {@code query_audit}. Sending never delays the answer:
 * the producer batches in the background, and a record Kafka could not take is counted
 * ({@code query_audit_failed_total}) and logged.
 */
public final class AuditTrail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final KafkaProducer<String, QueryAudit> producer;
    private final String topic;
    private final Counter sent;
    private final Counter failed;

    public AuditTrail(KafkaClients kafka, String topic, MeterRegistry registry) {
        this.producer = kafka.producer("query-api-audit", Topics.QUERY_AUDIT, Map.of("linger.ms", 20, "max.block.ms", 1000));
        this.topic = topic;
        this.sent = Counter.builder("query.audit.sent").description("audit records acknowledged by Kafka").register(registry);
        this.failed = Counter.builder("query.audit.failed").description("audit records Kafka did not take").register(registry);
    }

    /** One query, as the HTTP layer saw it. */
    public record Entry(String keyId, String route, Map<String, String> parameters, List<String> orgScope, int status,
                        long resultCount, String source, Instant at, long durationMicros) { }

    public void record(Entry e) {
        QueryAudit audit = QueryAudit.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setKeyId(e.keyId())
                .setRoute(e.route())
                .setParameters(Map.copyOf(e.parameters()))
                .setOrgScope(List.copyOf(e.orgScope()))
                .setStatus(e.status())
                .setResultCount(e.resultCount())
                .setSource(e.source())
                .setDurationMicros(e.durationMicros())
                .setAt(e.at())
                .build();
        try {
            producer.send(new ProducerRecord<>(topic, e.keyId() == null ? "anonymous" : e.keyId(), audit), (md, ex) -> {
                if (ex == null) {
                    sent.increment();
                } else {
                    failed.increment();
                    log.warn("audit record of {} {} not stored in Kafka: {}", e.route(), e.status(), ex.toString());
                }
            });
        } catch (RuntimeException ex) {
            failed.increment();
            log.warn("audit record of {} {} not sent: {}", e.route(), e.status(), ex.toString());
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
