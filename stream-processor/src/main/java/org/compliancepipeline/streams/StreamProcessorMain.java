package org.compliancepipeline.streams;

import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.compliancepipeline.platform.ServiceRuntime;
import org.compliancepipeline.platform.config.Env;
import org.compliancepipeline.platform.kafka.TopicAdmin;
import org.compliancepipeline.platform.ops.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The stream processor service: reads its configuration, creates missing topics, builds the
 * topology ({@link ComplianceTopology#build}) and runs it until SIGTERM. Ops on port 9402:
 * {@code /ready} is 200 only while Kafka Streams is RUNNING; {@code /metrics} has Kafka Streams'
 * own metrics and the pipeline's ({@link PipelineMetrics}).
 */
public final class StreamProcessorMain {
    private static final Logger log = LoggerFactory.getLogger(StreamProcessorMain.class);

    private StreamProcessorMain() { }

    public static void main(String[] args) throws InterruptedException {
        Env env = Env.system();
        StreamProcessorConfig config = StreamProcessorConfig.fromEnv(env);
        ServiceRuntime runtime = ServiceRuntime.start("stream-processor", env, 9402);
        AtomicReference<KafkaStreams> running = new AtomicReference<>();
        runtime.ops().register("kafka-streams", readiness(running));
        log.info("starting with {}", config);

        if (config.createTopics()) {
            try (Admin admin = runtime.kafka().admin("stream-processor-topics")) {
                var created = TopicAdmin.ensureTopics(admin, config.topics().all(), config.topicReplicationFactor(), Duration.ofSeconds(60));
                if (!created.isEmpty()) log.info("created topics {}", created);
            }
        }

        PipelineMetrics metrics = new PipelineMetrics(runtime.registry());
        Properties props = config.streamsProperties(runtime.kafka().config(), metrics);
        Topology topology = ComplianceTopology.build(config, metrics, props);
        log.info("topology:\n{}", topology.describe());

        KafkaStreams streams = new KafkaStreams(topology, props);
        running.set(streams);
        // A thread that dies on an unexpected error is replaced; its tasks resume from the last commit.
        streams.setUncaughtExceptionHandler(e -> {
            log.error("stream thread failed; replacing it", e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.setStateListener((now, before) -> {
            log.info("Kafka Streams {} -> {}", before, now);
            if (now == KafkaStreams.State.ERROR) {
                // Nothing left running: exit so the supervisor restarts the process (not from a stream thread).
                Thread.ofPlatform().name("exit-on-error").start(() -> System.exit(1));
            }
        });
        KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(runtime.registry());

        Duration closeTimeout = env.duration("SHUTDOWN_GRACE", Duration.ofSeconds(30)).minusSeconds(2);
        runtime.shutdown().register("kafka-streams-metrics", streamsMetrics);
        runtime.shutdown().register("kafka-streams", () -> {
            // Commits what was processed and leaves the group, so another instance takes over at once.
            streams.close(new KafkaStreams.CloseOptions().timeout(closeTimeout.isNegative() ? Duration.ZERO : closeTimeout)
                    .leaveGroup(true));
        });
        streams.start();
        runtime.ops().markStarted();
        runtime.shutdown().await();
    }

    /** Ready only while RUNNING: not before start, not while rebalancing or restoring state, never after an error. */
    static HealthCheck readiness(AtomicReference<KafkaStreams> running) {
        return () -> {
            KafkaStreams streams = running.get();
            if (streams == null) return HealthCheck.Result.notReady("starting");
            KafkaStreams.State state = streams.state();
            return state == KafkaStreams.State.RUNNING
                    ? HealthCheck.Result.ready("RUNNING, " + streams.metadataForLocalThreads().size() + " stream threads")
                    : HealthCheck.Result.notReady(state.name());
        };
    }
}
