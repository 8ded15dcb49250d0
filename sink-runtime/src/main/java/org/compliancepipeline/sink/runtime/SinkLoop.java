package org.compliancepipeline.sink.runtime;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One consumer and one writer: poll, batch (by count, bytes and linger), write, commit.
 *
 * <ul>
 *   <li><b>Retryable failures</b> pause every assigned partition and retry the same batch with bounded
 *       exponential backoff and jitter; the loop keeps polling (paused, so nothing new arrives) to stay
 *       in the group, and never loses its place.</li>
 *   <li><b>Poison</b>: a batch that fails because of a record is split in halves until the record is
 *       alone; it goes to the dead-letter topic, every other record is written. Records that cannot
 *       even be decoded are dead-lettered straight away.</li>
 *   <li><b>Offsets</b> are committed only after the store (and the dead-letter topic) acknowledged.</li>
 *   <li><b>Rebalances</b>: records of revoked partitions are dropped from the buffer and from a batch
 *       being retried, uncommitted, so the next owner writes them (writes are idempotent); the loop
 *       never writes a partition it no longer owns. Assigned partitions start where the store says
 *       ({@link SinkWriter#storedPositions}) when it keeps positions.</li>
 * </ul>
 */
final class SinkLoop<V> implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SinkLoop.class);
    private static final Duration DLQ_ACK_TIMEOUT = Duration.ofSeconds(60);

    private final SinkConfig config;
    private final Consumer<byte[], byte[]> consumer;
    private final RecordDecoder<V> decoder;
    private final SinkWriter<V> writer;
    private final DeadLetters deadLetters;
    private final SinkMetrics metrics;
    private final AtomicLong failingSince;

    private final Map<TopicPartition, List<SinkRecord<V>>> buffer = new LinkedHashMap<>();
    private int bufferedRecords;
    private long bufferedBytes;
    private long oldestBufferedAt;
    /** Next offset to commit per partition: everything before it is stored or dead-lettered. */
    private final Map<TopicPartition, Long> stored = new HashMap<>();
    /** Offsets the group coordinator acknowledged, and those of asynchronous commits still in flight. */
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final Map<TopicPartition, Long> committing = new HashMap<>();
    private final Set<TopicPartition> revoked = new HashSet<>();
    private final List<Future<RecordMetadata>> unacknowledgedDeadLetters = new ArrayList<>();
    private boolean retrying;
    private long lastLagUpdate;
    private volatile boolean running = true;

    SinkLoop(SinkConfig config, Consumer<byte[], byte[]> consumer, RecordDecoder<V> decoder, SinkWriter<V> writer,
             DeadLetters deadLetters, SinkMetrics metrics) {
        this.config = config;
        this.consumer = consumer;
        this.decoder = decoder;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
        this.failingSince = metrics.failingSince(this);
    }

    void stop() {
        running = false;
        consumer.wakeup();
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(config.topics(), new Rebalance());
            while (running) {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(pollTimeout());
                polled.forEach(this::accept);
                updateLag();
                if (shouldFlush()) flush();
                // An asynchronous commit can fail (a rebalance in progress, a coordinator move) after the
                // last record of a partition: retry it even when nothing new arrives.
                else if (bufferedRecords == 0) commit(false);
            }
        } catch (WakeupException e) {
            if (running) throw e;
        } catch (Abandoned e) {
            log.info("sink {}: batch abandoned at shutdown; it will be written again from the last commit", config.name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            log.error("sink {}: loop failed", config.name(), e);
            throw new IllegalStateException(e);
        } finally {
            closeQuietly();
        }
    }

    private Duration pollTimeout() {
        if (bufferedRecords == 0) return Duration.ofMillis(500);
        long left = config.linger().toMillis() - (System.currentTimeMillis() - oldestBufferedAt);
        return Duration.ofMillis(Math.max(0, Math.min(left, 500)));
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        V value = null;
        Throwable decodeError = null;
        if (r.value() != null) {
            try {
                value = decoder.decode(r.topic(), r.headers(), r.value());
            } catch (RuntimeException e) {
                decodeError = e;
            }
        }
        SinkRecord<V> record = new SinkRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), value, r.headers());
        if (decodeError != null) {
            deadLetter(record, decodeError);
            // The dead-lettered record is done once acknowledged: its offset is covered by the next commit.
            stored.merge(tp, r.offset() + 1, Math::max);
            return;
        }
        if (bufferedRecords == 0) oldestBufferedAt = System.currentTimeMillis();
        buffer.computeIfAbsent(tp, p -> new ArrayList<>()).add(record);
        bufferedRecords++;
        bufferedBytes += record.sizeInBytes();
    }

    private boolean shouldFlush() {
        if (bufferedRecords == 0) return !unacknowledgedDeadLetters.isEmpty();
        return bufferedRecords >= config.batchRecords() || bufferedBytes >= config.batchBytes()
                || System.currentTimeMillis() - oldestBufferedAt >= config.linger().toMillis();
    }

    private void flush() throws Exception {
        List<SinkRecord<V>> batch = new ArrayList<>(bufferedRecords);
        buffer.values().forEach(batch::addAll);
        buffer.clear();
        bufferedRecords = 0;
        bufferedBytes = 0;
        writeWithRetry(batch);
        awaitDeadLetters();
        commit(false);
    }

    private void writeWithRetry(List<SinkRecord<V>> batch) throws Exception {
        Deque<List<SinkRecord<V>>> pending = new ArrayDeque<>();
        if (!batch.isEmpty()) pending.push(batch);
        Backoff backoff = new Backoff(config.retryInitial(), config.retryMax());
        revoked.clear();
        try {
            while (!pending.isEmpty()) {
                List<SinkRecord<V>> part = withoutRevoked(pending.pop());
                if (part.isEmpty()) continue;
                long start = System.nanoTime();
                try {
                    WriteResult<V> result = writer.write(part);
                    metrics.writeLatency.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                    List<SinkRecord<V>> retry = new ArrayList<>();
                    Set<SinkRecord<V>> failed = new HashSet<>();
                    for (WriteResult.Failure<V> f : result.failures()) {
                        failed.add(f.record());
                        if (f.kind() == FailureKind.POISON) deadLetter(f.record(), f.error());
                        else retry.add(f.record());
                    }
                    succeeded(part.size() - failed.size(), part);
                    markStored(part, retry);
                    if (!retry.isEmpty()) {
                        pending.push(retry);
                        failing(new IllegalStateException(retry.size() + " items failed retryably"), backoff);
                    } else {
                        recovered(backoff);
                    }
                } catch (Exception e) {
                    if (e instanceof InterruptedException) throw e;
                    FailureKind kind = classifySafely(e);
                    if (kind == FailureKind.POISON) {
                        recovered(backoff);
                        if (part.size() == 1) {
                            deadLetter(part.getFirst(), e);
                            markStored(part, List.of());
                        } else {
                            int mid = part.size() / 2;
                            pending.push(part.subList(mid, part.size()));
                            pending.push(part.subList(0, mid));
                        }
                    } else {
                        pending.push(part);
                        failing(e, backoff);
                    }
                }
            }
        } finally {
            if (retrying) {
                retrying = false;
                consumer.resume(consumer.assignment());
            }
        }
    }

    private FailureKind classifySafely(Exception e) {
        try {
            return writer.classify(e);
        } catch (RuntimeException classifierBug) {
            log.warn("sink {}: classify failed; treating as retryable", config.name(), classifierBug);
            return FailureKind.RETRYABLE;
        }
    }

    private void succeeded(int count, List<SinkRecord<V>> part) {
        metrics.written.increment(count);
        metrics.batchRecords.record(part.size());
        metrics.lastSuccessMillis.set(System.currentTimeMillis());
    }

    private void markStored(List<SinkRecord<V>> part, List<SinkRecord<V>> notYet) {
        // Positions only advance past a record when it and everything before it in its partition are done.
        Map<TopicPartition, Long> firstPending = new HashMap<>();
        for (SinkRecord<V> r : notYet) firstPending.merge(r.topicPartition(), r.offset(), Math::min);
        for (SinkRecord<V> r : part) {
            Long limit = firstPending.get(r.topicPartition());
            if (limit == null || r.offset() < limit) stored.merge(r.topicPartition(), r.offset() + 1, Math::max);
        }
    }

    private void recovered(Backoff backoff) {
        if (failingSince.get() > 0) log.info("sink {}: writes succeed again after {} attempts", config.name(), backoff.attempts());
        failingSince.set(0);
        backoff.reset();
    }

    /** Pauses every partition and waits out the backoff while polling, so the group keeps us and rebalances run. */
    private void failing(Exception e, Backoff backoff) throws Exception {
        failingSince.compareAndSet(0, System.currentTimeMillis());
        metrics.retries.increment();
        long delay = backoff.nextDelayMillis();
        if (backoff.attempts() == 1 || backoff.attempts() % 10 == 0) {
            log.warn("sink {}: write failed ({}), retrying in {} ms (attempt {})", config.name(), DeadLetters.reason(e), delay, backoff.attempts());
        }
        retrying = true;
        consumer.pause(consumer.assignment());
        long deadline = System.currentTimeMillis() + delay;
        while (System.currentTimeMillis() < deadline) {
            if (!running) throw new Abandoned();
            try {
                ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(Math.min(100, Math.max(1, deadline - System.currentTimeMillis()))));
                polled.forEach(this::accept); // from partitions assigned meanwhile, before they were paused
            } catch (WakeupException w) {
                if (!running) throw new Abandoned();
            }
            consumer.pause(consumer.assignment());
            updateLag();
        }
    }

    private List<SinkRecord<V>> withoutRevoked(List<SinkRecord<V>> part) {
        if (revoked.isEmpty()) return part;
        return part.stream().filter(r -> !revoked.contains(r.topicPartition())).toList();
    }

    private void deadLetter(SinkRecord<V> record, Throwable error) {
        log.warn("sink {}: {} dead-lettered: {}", config.name(), record, DeadLetters.reason(error));
        unacknowledgedDeadLetters.add(deadLetters.send(record, error));
        metrics.deadLettered(error);
    }

    private void awaitDeadLetters() throws InterruptedException {
        for (Future<RecordMetadata> f : unacknowledgedDeadLetters) {
            try {
                f.get(DLQ_ACK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // Without the dead-letter acknowledged the offset must not move: fail the loop loudly.
                throw new IllegalStateException("dead-letter topic " + config.deadLetterTopic() + " did not acknowledge", e);
            }
        }
        unacknowledgedDeadLetters.clear();
    }

    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        Set<TopicPartition> owned = consumer.assignment();
        stored.forEach((tp, next) -> {
            if (owned.contains(tp) && !next.equals(committed.get(tp)) && !next.equals(committing.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(next));
            }
        });
        if (offsets.isEmpty()) return;
        if (sync) {
            consumer.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        } else {
            offsets.forEach((tp, o) -> committing.put(tp, o.offset()));
            // The callback runs on this thread, inside a later poll or commit.
            consumer.commitAsync(offsets, (done, e) -> {
                if (e != null) log.debug("sink {}: async commit failed, retried by the next loop: {}", config.name(), e.toString());
                offsets.forEach((tp, o) -> {
                    committing.remove(tp, o.offset());
                    if (e == null) committed.merge(tp, o.offset(), Math::max);
                });
            });
        }
    }

    private void updateLag() {
        long now = System.currentTimeMillis();
        if (now - lastLagUpdate >= 1000) {
            lastLagUpdate = now;
            metrics.updateLag(consumer);
        }
    }

    private void dropBuffered(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            List<SinkRecord<V>> dropped = buffer.remove(tp);
            if (dropped != null) {
                bufferedRecords -= dropped.size();
                dropped.forEach(r -> bufferedBytes -= r.sizeInBytes());
            }
            metrics.unassigned(tp);
        }
    }

    private void closeQuietly() {
        try {
            if (running || bufferedRecords == 0) {
                awaitDeadLetters();
                commit(true);
            } else {
                // Shutting down: one attempt to finish what is buffered, then commit what is stored.
                List<SinkRecord<V>> batch = new ArrayList<>();
                buffer.values().forEach(batch::addAll);
                buffer.clear();
                try {
                    WriteResult<V> result = writer.write(batch);
                    if (result.isComplete()) markStored(batch, List.of());
                } catch (Exception e) {
                    log.info("sink {}: final write failed ({}); {} records stay uncommitted", config.name(), DeadLetters.reason(e), batch.size());
                }
                awaitDeadLetters();
                commit(true);
            }
        } catch (Exception e) {
            log.warn("sink {}: final commit failed: {}", config.name(), e.toString());
        }
        try {
            consumer.close(Duration.ofSeconds(10));
        } catch (Exception e) {
            log.warn("sink {}: consumer close failed: {}", config.name(), e.toString());
        }
        try {
            writer.close();
        } catch (Exception e) {
            log.warn("sink {}: writer close failed: {}", config.name(), e.toString());
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            log.info("sink {}: revoked {}", config.name(), partitions);
            revoked.addAll(partitions);
            dropBuffered(partitions);
            // Commit what was stored for them before the next owner starts (synchronously, even when an
            // asynchronous commit of the same position may still be in flight).
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                Long next = stored.remove(tp);
                committed.remove(tp);
                committing.remove(tp);
                if (next != null) offsets.put(tp, new OffsetAndMetadata(next));
            }
            try {
                if (unacknowledgedDeadLetters.isEmpty() && !offsets.isEmpty()) consumer.commitSync(offsets);
            } catch (Exception e) {
                log.info("sink {}: commit on revocation failed ({}); the next owner re-writes from the last commit", config.name(), e.toString());
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.info("sink {}: lost {}", config.name(), partitions);
            revoked.addAll(partitions);
            dropBuffered(partitions);
            partitions.forEach(stored::remove);
            partitions.forEach(committed::remove);
            partitions.forEach(committing::remove);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) return;
            revoked.removeAll(partitions);
            log.info("sink {}: assigned {}", config.name(), partitions);
            try {
                Map<TopicPartition, Long> positions = writer.storedPositions(partitions);
                positions.forEach((tp, offset) -> {
                    log.info("sink {}: {} resumes at stored position {}", config.name(), tp, offset);
                    consumer.seek(tp, offset);
                });
            } catch (Exception e) {
                // Without the stored positions the committed offsets are used; writes stay idempotent.
                log.warn("sink {}: cannot read stored positions ({}); using committed offsets", config.name(), DeadLetters.reason(e));
            }
            if (retrying) consumer.pause(partitions);
        }
    }

    /** Shutdown arrived while a batch was waiting to be retried. */
    private static final class Abandoned extends RuntimeException {
        Abandoned() { super(null, null, false, false); }
    }
}
