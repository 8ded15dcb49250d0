package org.compliancepipeline.platform.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.compliancepipeline.schemas.Topic;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the catalogue's topics that do not exist yet, with their partitions and configs, and
 * returns once every new partition's leader serves requests. Idempotent.
 */
public final class TopicAdmin {
    private TopicAdmin() { }

    /** @return the names of the topics this call created */
    public static List<String> ensureTopics(Admin admin, Collection<Topic<?, ?>> topics, short replicationFactor, Duration timeout)
            throws InterruptedException {
        try {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<NewTopic> missing = topics.stream()
                    .filter(t -> !existing.contains(t.name()))
                    .map(t -> new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.config()))
                    .toList();
            if (missing.isEmpty()) return List.of();
            var result = admin.createTopics(missing);
            for (NewTopic t : missing) {
                try {
                    result.values().get(t.name()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) throw e;
                }
            }
            awaitLeaders(admin, missing, timeout);
            return missing.stream().map(NewTopic::name).toList();
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Cannot create topics on " + admin + ": " + cause, cause);
        }
    }

    /**
     * A created topic is in the controller's metadata before each broker has taken up leadership of
     * its partitions; a producer that writes into that gap gets NOT_LEADER_OR_FOLLOWER on its first
     * batch, and on a 4.x broker an idempotent producer can then stay stuck on
     * OUT_OF_ORDER_SEQUENCE_NUMBER for the later in-flight batches until they expire. ListOffsets is
     * answered only by the partition leader, so a successful one for every partition closes the gap.
     */
    private static void awaitLeaders(Admin admin, List<NewTopic> created, Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (NewTopic t : created) {
            int count = t.numPartitions() > 0 ? t.numPartitions()
                    : admin.describeTopics(List.of(t.name())).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                            .get(t.name()).partitions().size();
            for (int p = 0; p < count; p++) partitions.put(new TopicPartition(t.name(), p), OffsetSpec.latest());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                admin.listOffsets(partitions).all().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                return;
            } catch (ExecutionException e) {
                // Unknown partition or no leader yet: the admin client gave up its own retries early.
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) throw e;
                Thread.sleep(50);
            }
        }
    }
}
