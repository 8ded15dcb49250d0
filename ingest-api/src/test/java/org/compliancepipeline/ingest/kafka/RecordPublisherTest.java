package org.compliancepipeline.ingest.kafka;

import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.compliancepipeline.ingest.records.RecordResult;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Every way a send can fail becomes an honest per-record answer: retry later, or fix the record. */
class RecordPublisherTest {
    private static final ComplianceRecord RECORD = ComplianceRecord.newBuilder().setRecordId("r-1").setOrgId("acme")
            .setFramework("nist-800-53-r5").setControlId("ac-2").setStatus(ComplianceStatus.SATISFIED)
            .setObservedAt(Instant.parse("2026-11-25T08:00:00Z")).setSource("grc").setMethod(AssessmentMethod.EXAMINE).build();

    @Test
    void aFullBufferIsBusyAndRetryable() {
        assertThat(RecordPublisher.failure(RECORD, new BufferExhaustedException("Failed to allocate 65536 bytes within 2000 ms")))
                .isEqualTo(new RecordResult.Unavailable("producer_busy", "r-1",
                        "the producer buffer is full (Kafka is slower than the input); retry after the indicated time"));
    }

    @Test
    void anUnreachableOrUnhealthyClusterIsUnavailableAndRetryable() {
        for (Exception e : new Exception[]{new TimeoutException("Expiring 12 record(s): 10001 ms has passed since batch creation"),
                new TimeoutException("Topic t not present in metadata after 2000 ms."), new NetworkException("disconnected"),
                new NotEnoughReplicasException("ISR too small")}) {
            RecordResult r = RecordPublisher.failure(RECORD, e);
            assertThat(r).isInstanceOf(RecordResult.Unavailable.class);
            assertThat(((RecordResult.Unavailable) r).reason()).isEqualTo("kafka_unavailable");
            assertThat(((RecordResult.Unavailable) r).recordId()).isEqualTo("r-1");
            assertThat(((RecordResult.Unavailable) r).message()).contains(e.getMessage());
        }
    }

    @Test
    void aRecordKafkaCannotTakeIsRejected() {
        assertThat(RecordPublisher.failure(RECORD, new RecordTooLargeException("The message is 2000000 bytes")))
                .isInstanceOfSatisfying(RecordResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo("too_large"));
        assertThat(RecordPublisher.failure(RECORD, new SerializationException("bad")))
                .isInstanceOfSatisfying(RecordResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo("invalid"));
    }

    @Test
    void theProducerIsBoundedInTime() {
        var settings = RecordPublisher.producerSettings(Duration.ofSeconds(2), Duration.ofSeconds(10));
        assertThat(settings).containsEntry("max.block.ms", 2000L).containsEntry("delivery.timeout.ms", 10_000)
                .containsEntry("request.timeout.ms", 5_000).containsEntry("linger.ms", 5);
    }
}
