package org.compliancepipeline.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Asks the cluster for the target topic at a fixed interval and keeps the answer: readiness reads
 * it, and requests arriving while the broker is known to be unreachable get a 503 at once instead
 * of waiting for their records to expire.
 */
public final class BrokerProbe implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BrokerProbe.class);

    public enum State { UNKNOWN, READY, TOPIC_MISSING, UNREACHABLE }

    private final Admin admin;
    private final String topic;
    private final Duration timeout;
    private final ScheduledExecutorService scheduler;
    private volatile State state = State.UNKNOWN;
    private volatile String detail = "not probed yet";

    public BrokerProbe(Admin admin, String topic, Duration interval) {
        this.admin = admin;
        this.topic = topic;
        this.timeout = interval.multipliedBy(2).compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : interval.multipliedBy(2);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("kafka-probe").factory());
        scheduler.scheduleWithFixedDelay(this::probe, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    public State state() {
        return state;
    }

    /** True only when the last probe could not reach the cluster at all. */
    public boolean knownUnreachable() {
        return state == State.UNREACHABLE;
    }

    public String detail() {
        return detail;
    }

    void probe() {
        State before = state;
        try {
            var description = admin.describeTopics(List.of(topic), new DescribeTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .allTopicNames().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS).get(topic);
            state = State.READY;
            detail = "topic " + topic + " has " + description.partitions().size() + " partitions";
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                state = State.TOPIC_MISSING;
                detail = "topic " + topic + " does not exist (bin/pipeline up creates it)";
            } else {
                state = State.UNREACHABLE;
                detail = "Kafka not reachable: " + e.getCause();
            }
        } catch (java.util.concurrent.TimeoutException e) {
            state = State.UNREACHABLE;
            detail = "Kafka did not answer within " + timeout.toMillis() + " ms";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            state = State.UNREACHABLE;
            detail = "Kafka probe failed: " + e;
        }
        if (state != before) {
            if (state == State.READY) log.info("Kafka ready: {}", detail);
            else log.warn("Kafka not ready: {}", detail);
        }
    }

    public HealthCheck healthCheck() {
        return () -> state == State.READY ? HealthCheck.Result.ready(detail) : HealthCheck.Result.notReady(detail);
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
