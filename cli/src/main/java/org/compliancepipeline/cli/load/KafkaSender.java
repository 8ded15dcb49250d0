package org.compliancepipeline.cli.load;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topic;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Produces records straight to the raw topic with the Avro serdes, keyed by orgId, with the platform's idempotent
 * {@code acks=all} producer. Kafka accepts invalid records too: the stream processor dead-letters them.
 */
public final class KafkaSender implements Sender {
    private final Topic<String, ComplianceRecord> topic;
    private final KafkaProducer<String, ComplianceRecord> producer;

    public KafkaSender(KafkaClients clients, Topic<String, ComplianceRecord> topic) {
        this.topic = topic;
        this.producer = clients.producer("pipeline-load", topic);
    }

    @Override
    public Outcome send(List<RecordStream.Generated> batch) throws InterruptedException {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.size());
        for (RecordStream.Generated g : batch) {
            acks.add(producer.send(new ProducerRecord<>(topic.name(), Keys.org(g.record().getOrgId()), g.record())));
        }
        Result[] results = new Result[batch.size()];
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get();
                results[i] = Result.ACCEPTED;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException
                        || e.getCause() instanceof org.apache.kafka.common.errors.AuthorizationException) {
                    throw new LoadAborted("Kafka refused " + topic.name() + ": " + e.getCause().getMessage());
                }
                results[i] = e.getCause() instanceof org.apache.kafka.common.errors.RecordTooLargeException ? Result.REJECTED : Result.FAILED;
            }
        }
        return new Outcome(results, 0);
    }

    @Override
    public void close() {
        producer.close();
    }

    @Override
    public String toString() {
        return "Kafka " + topic.name();
    }
}
