package org.compliancepipeline.platform.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.compliancepipeline.platform.config.KafkaConfig;
import org.compliancepipeline.schemas.Topic;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka clients with safe defaults, each bound to the service's metrics registry.
 *
 * <p>Producers are idempotent with {@code acks=all}: a send that completes is on every in-sync
 * replica and a retried send is never duplicated. Consumers never auto-commit (the caller commits
 * after its store acknowledged) and read only committed transactional data.
 */
public final class KafkaClients implements AutoCloseable {
    private final KafkaConfig config;
    private final MeterRegistry registry;
    private final java.util.List<KafkaClientMetrics> binders = new java.util.concurrent.CopyOnWriteArrayList<>();

    public KafkaClients(KafkaConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    public KafkaConfig config() {
        return config;
    }

    public static Map<String, Object> producerDefaults(KafkaConfig config, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        // Overrides from the environment come last: an operator can tune anything.
        p.putAll(config.common());
        // ...except the guarantees the pipeline promises.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return p;
    }

    public static Map<String, Object> consumerDefaults(KafkaConfig config, String groupId, String clientId) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
        p.putAll(config.common());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return p;
    }

    public <K, V> KafkaProducer<K, V> producer(String clientId, Topic<K, V> topic) {
        return producer(clientId, topic, Map.of());
    }

    public <K, V> KafkaProducer<K, V> producer(String clientId, Topic<K, V> topic, Map<String, Object> overrides) {
        Map<String, Object> p = producerDefaults(config, clientId);
        p.putAll(overrides);
        KafkaProducer<K, V> producer = new KafkaProducer<>(p, topic.keySerde().serializer(), topic.valueSerde().serializer());
        bind(new KafkaClientMetrics(producer));
        return producer;
    }

    public <K, V> KafkaConsumer<K, V> consumer(String groupId, String clientId, Topic<K, V> topic, Map<String, Object> overrides) {
        Map<String, Object> p = consumerDefaults(config, groupId, clientId);
        p.putAll(overrides);
        KafkaConsumer<K, V> consumer = new KafkaConsumer<>(p, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        bind(new KafkaClientMetrics(consumer));
        return consumer;
    }

    /** A consumer of raw bytes: the caller decodes, so an undecodable record is its to dead-letter, not a crash. */
    public KafkaConsumer<byte[], byte[]> rawConsumer(String groupId, String clientId, Map<String, Object> overrides) {
        Map<String, Object> p = consumerDefaults(config, groupId, clientId);
        p.putAll(overrides);
        var bytes = new org.apache.kafka.common.serialization.ByteArrayDeserializer();
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, bytes, bytes);
        bind(new KafkaClientMetrics(consumer));
        return consumer;
    }

    public Admin admin(String clientId) {
        Map<String, Object> p = new HashMap<>(config.common());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        AdminClient admin = AdminClient.create(p);
        bind(new KafkaClientMetrics(admin));
        return admin;
    }

    private void bind(KafkaClientMetrics metrics) {
        metrics.bindTo(registry);
        binders.add(metrics);
    }

    /** Stops the metric binders; the clients themselves are closed by their owners. */
    @Override
    public void close() {
        binders.forEach(KafkaClientMetrics::close);
    }
}
