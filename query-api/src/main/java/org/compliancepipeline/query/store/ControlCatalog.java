package org.compliancepipeline.query.store;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The control catalog (titles and families), read from the compacted controls topic into memory and
 * kept up to date by a background consumer: every instance reads the whole topic, with no group.
 */
public final class ControlCatalog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlCatalog.class);

    private final Map<String, ControlDefinition> controls = new ConcurrentHashMap<>();
    private final KafkaConsumer<String, ControlDefinition> consumer;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile String lastError;

    public ControlCatalog(KafkaClients kafka, String topicName) {
        Map<String, Object> props = new java.util.HashMap<>(KafkaClients.consumerDefaults(kafka.config(), "unused", "query-api-catalog"));
        props.remove("group.id"); // assigned partitions, no group: every instance reads the whole catalog
        this.consumer = new KafkaConsumer<>(props, Topics.CONTROLS.keySerde().deserializer(), Topics.CONTROLS.valueSerde().deserializer());
        this.thread = Thread.ofPlatform().daemon().name("control-catalog").start(() -> run(topicName));
    }

    private void run(String topic) {
        try {
            List<TopicPartition> partitions = List.of();
            while (running && partitions.isEmpty()) {
                try {
                    partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    lastError = "controls topic " + topic + " not reachable yet";
                }
                if (partitions.isEmpty() && running) Thread.sleep(1000);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, ControlDefinition> r : consumer.poll(Duration.ofSeconds(1))) {
                    if (r.value() == null) controls.remove(r.key());
                    else controls.put(Keys.control(r.value().getFramework(), r.value().getControlId()), r.value());
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    log.info("control catalog loaded: {} controls", controls.size());
                }
                lastError = null;
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            lastError = e.toString();
            log.error("control catalog reader stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    /** The control's definition, or null when the catalog does not know it. */
    public ControlDefinition control(String framework, String controlId) {
        return controls.get(Keys.control(framework, controlId));
    }

    public int size() {
        return controls.size();
    }

    public boolean caughtUp() {
        return caughtUp;
    }

    public HealthCheck healthCheck() {
        return () -> caughtUp ? HealthCheck.Result.ready(controls.size() + " controls")
                : HealthCheck.Result.notReady(lastError == null ? "control catalog still loading" : lastError);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5_000);
    }
}
