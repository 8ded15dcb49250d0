package org.compliancepipeline.cli.load;

import java.util.List;

/** Where generated records go: the ingest API over HTTP, or Kafka straight. Called from many threads at once. */
public interface Sender extends AutoCloseable {
    /**
     * Sends one batch and waits for its outcome, retrying what the target asks to retry.
     *
     * @throws LoadAborted when the target refuses the whole run (bad key, wrong URL ...)
     */
    Outcome send(List<RecordStream.Generated> batch) throws InterruptedException;

    /** Per record of a batch, in batch order. */
    enum Result { ACCEPTED, REJECTED, FAILED }

    /** @param retries how many times (part of) the batch was sent again after a 429/503 or a connection failure */
    record Outcome(Result[] results, int retries) { }

    /** A failure no retry can fix; the run stops with its message. */
    final class LoadAborted extends RuntimeException {
        public LoadAborted(String message) {
            super(message);
        }
    }

    @Override
    void close();
}
