package org.compliancepipeline.ingest.records;

import org.compliancepipeline.ingest.IngestMetrics;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.ingest.kafka.BrokerProbe;
import org.compliancepipeline.ingest.kafka.RecordPublisher;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.json.FieldError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * From candidate records to per-record results: refuse records of orgs the API key may not
 * write, produce the valid ones and wait until Kafka acknowledged or refused each. Knows nothing of HTTP; the endpoints turn its results into responses.
 */
public final class RecordIntake {
    private final RecordPublisher publisher;
    private final BrokerProbe broker;
    private final IngestMetrics metrics;
    private final Duration ackTimeout;

    /**
     * @param ackTimeout longest wait for acknowledgements; a little more than the producer's
     *                   delivery timeout, by which Kafka has resolved every record
     */
    public RecordIntake(RecordPublisher publisher, BrokerProbe broker, IngestMetrics metrics, Duration ackTimeout) {
        this.publisher = publisher;
        this.broker = broker;
        this.metrics = metrics;
        this.ackTimeout = ackTimeout;
    }

    /** A record of an org the key may not write, found before anything was produced. */
    public record ForeignOrg(int index, String orgId) { }

    public sealed interface Outcome {
        /** Every record has its result, in request order. */
        record Submitted(List<RecordResult> results) implements Outcome { }
        /** Nothing was produced: the request holds records of orgs the key may not write. */
        record Forbidden(List<ForeignOrg> records) implements Outcome { }
    }

    /**
     * Submits the records of one request, all or none as far as authorization goes: when any
     * record names an org the key may not write, nothing is produced.
     */
    public Outcome submit(List<Candidate> candidates, ApiKey key, String route) {
        List<ForeignOrg> foreign = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            String org = candidates.get(i).orgId();
            if (foreign(org, key)) foreign.add(new ForeignOrg(i, org));
        }
        if (!foreign.isEmpty()) {
            metrics.rejected("forbidden", candidates.size());
            return new Outcome.Forbidden(foreign);
        }

        RecordResult[] results = new RecordResult[candidates.size()];
        List<ComplianceRecord> valid = new ArrayList<>(candidates.size());
        int[] validIndex = new int[candidates.size()];
        for (int i = 0; i < candidates.size(); i++) {
            switch (candidates.get(i)) {
                case Candidate.Valid v -> {
                    validIndex[valid.size()] = i;
                    valid.add(v.record());
                }
                case Candidate.Invalid inv -> results[i] = RecordResult.invalid(inv.errors());
            }
        }
        List<CompletableFuture<RecordResult>> sent = broker.knownUnreachable()
                ? valid.stream().map(r -> CompletableFuture.<RecordResult>completedFuture(unreachable(r))).toList()
                : publisher.publish(valid);
        List<RecordResult> acked = await(sent, valid);
        for (int k = 0; k < acked.size(); k++) results[validIndex[k]] = acked.get(k);
        List<RecordResult> all = Arrays.asList(results);
        count(route, all);
        return new Outcome.Submitted(all);
    }

    /**
     * Submits one record of a stream: validated, checked against the key's orgs and sent; the
     * future completes with its result, never exceptionally.
     */
    public CompletableFuture<RecordResult> submitOne(Candidate candidate, ApiKey key) {
        if (foreign(candidate.orgId(), key)) {
            return CompletableFuture.completedFuture(forbidden(candidate.orgId(), key));
        }
        return switch (candidate) {
            case Candidate.Invalid inv -> CompletableFuture.completedFuture(RecordResult.invalid(inv.errors()));
            case Candidate.Valid v -> broker.knownUnreachable()
                    ? CompletableFuture.completedFuture(unreachable(v.record()))
                    : publisher.publish(v.record());
        };
    }

    /** A well-formed org id the key may not write (a malformed one is a validation error instead). */
    private static boolean foreign(String orgId, ApiKey key) {
        return orgId != null && !key.mayWrite(orgId) && Ids.isId(orgId);
    }

    /** Counts results in the metrics (streams call this per line). */
    public void count(String route, List<RecordResult> results) {
        int accepted = 0;
        for (RecordResult r : results) {
            switch (r) {
                case RecordResult.Accepted a -> accepted++;
                case RecordResult.Rejected rej -> metrics.rejected(rej.reason(), 1);
                case RecordResult.Unavailable u -> metrics.rejected(u.reason(), 1);
            }
        }
        metrics.accepted(route, accepted);
    }

    public static RecordResult.Rejected forbidden(String org, ApiKey key) {
        return new RecordResult.Rejected("forbidden", List.of(new FieldError("orgId",
                "API key '" + key.id() + "' may not write records of org '" + org + "'")));
    }

    public Duration ackTimeout() {
        return ackTimeout;
    }

    private RecordResult unreachable(ComplianceRecord r) {
        return new RecordResult.Unavailable("kafka_unavailable", r.getRecordId(), "Kafka is not reachable: " + broker.detail());
    }

    private List<RecordResult> await(List<CompletableFuture<RecordResult>> sent, List<ComplianceRecord> records) {
        long deadline = System.nanoTime() + ackTimeout.toNanos();
        List<RecordResult> out = new ArrayList<>(sent.size());
        for (int i = 0; i < sent.size(); i++) {
            out.add(await(sent.get(i), records.get(i), deadline));
        }
        return out;
    }

    /** Waits for one result until the deadline; after it, the outcome is unknown and said so. */
    public RecordResult await(CompletableFuture<RecordResult> result, ComplianceRecord record, long deadlineNanos) {
        try {
            return result.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return new RecordResult.Unavailable("kafka_unavailable", record == null ? null : record.getRecordId(),
                    "no acknowledgement from Kafka within " + ackTimeout.toMillis() + " ms; the record may or may not be written"
                            + " (retrying with the same recordId is safe: the pipeline deduplicates by recordId)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new RecordResult.Unavailable("kafka_unavailable", record == null ? null : record.getRecordId(), "interrupted while waiting for Kafka");
        } catch (ExecutionException e) {
            return new RecordResult.Unavailable("kafka_unavailable", record == null ? null : record.getRecordId(), String.valueOf(e.getCause()));
        }
    }

}
