package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import com.fasterxml.jackson.core.JsonGenerator;
import io.javalin.http.Context;
import org.compliancepipeline.ingest.IngestMetrics;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.ingest.kafka.BrokerProbe;
import org.compliancepipeline.ingest.records.Candidate;
import org.compliancepipeline.ingest.records.RecordIntake;
import org.compliancepipeline.ingest.records.RecordReader;
import org.compliancepipeline.ingest.records.RecordResult;
import org.compliancepipeline.platform.redis.RateLimiter;
import org.compliancepipeline.schemas.json.FieldError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code POST /v1/records:stream}: NDJSON of any length, read and produced line by line while it
 * arrives, with one result line per input line streamed back in input order, then a summary line.
 *
 * <p>The request thread reads and sends; a second (virtual) thread waits for each record's
 * acknowledgement in order and writes its result. Between them a bounded queue: when results
 * pile up (slow acks, or a client that does not read its answer) reading pauses, so memory stays
 * bounded whatever the stream's length. Tokens are taken from the key's rate limit in chunks;
 * when the bucket is empty the stream is paced (reading waits) rather than refused. When Kafka
 * becomes unavailable the stream stops at that line: the summary says where, so the client
 * resumes from there.
 */
public final class RecordStream {
    private static final Logger log = LoggerFactory.getLogger(RecordStream.class);
    public static final String ROUTE = "records:stream";
    private static final int MAX_PENDING = 8_192;
    private static final int TOKEN_CHUNK = 256;
    private static final Duration MAX_PACING_WAIT = Duration.ofSeconds(5);

    private final RequestGate gate;
    private final RecordBodies lineRecords;
    private final RateLimiter rateLimiter;
    private final RecordIntake intake;
    private final BrokerProbe broker;
    private final IngestMetrics metrics;
    private final int maxLineBytes;
    private final Duration retryAfterUnavailable;

    public RecordStream(RequestGate gate, JsonBody json, RecordReader reader, RateLimiter rateLimiter, RecordIntake intake, BrokerProbe broker,
                        IngestMetrics metrics, int maxLineBytes, Duration retryAfterUnavailable) {
        this.gate = gate;
        this.lineRecords = new RecordBodies(json, reader, 1);
        this.rateLimiter = rateLimiter;
        this.intake = intake;
        this.broker = broker;
        this.metrics = metrics;
        this.maxLineBytes = maxLineBytes;
        this.retryAfterUnavailable = retryAfterUnavailable;
    }

    /** One input line on its way to its result line. */
    private record Pending(long line, CompletableFuture<RecordResult> result) {
        static final Pending END = new Pending(-1, null);
    }

    /** Why a stream ended before its input did. */
    private record Stop(String code, String message) { }

    public void handle(Context ctx) throws Exception {
        ApiKey key = gate.authenticate(ctx, ApiKey.RECORDS_WRITE);
        gate.requireContentType(ctx, RequestGate.NDJSON_TYPES);
        if (ctx.header("Idempotency-Key") != null) {
            throw ApiError.of(400, "idempotency_not_supported",
                    "Idempotency-Key is not supported on :stream (its answer is a stream); give each record a recordId instead, "
                            + "the pipeline deduplicates by recordId");
        }
        if (broker.knownUnreachable()) {
            throw ApiError.of(503, "kafka_unavailable", "Kafka is not reachable: " + broker.detail()).retryAfter(retryAfterUnavailable);
        }
        Tokens tokens = new Tokens(key);
        tokens.takeFirst();

        RequestGate.Admission admission = gate.admitStream(maxLineBytes);
        try (InputStream in = new BufferedInputStream(ctx.req().getInputStream(), 64 * 1024)) {
            LineReader lines = new LineReader(in, maxLineBytes);
            byte[] first = lines.next();
            if (first == null) throw ApiError.of(400, "empty_body", "the stream holds no records");

            ctx.status(202);
            ctx.res().setContentType("application/x-ndjson");
            BlockingQueue<Pending> queue = new ArrayBlockingQueue<>(MAX_PENDING);
            AtomicReference<Stop> stop = new AtomicReference<>();
            Writer writer = new Writer(ctx.res().getOutputStream(), queue, stop);
            Thread writerThread = Thread.ofVirtual().name("stream-writer").start(writer);
            long line = 0;
            try {
                for (byte[] bytes = first; bytes != null && stop.get() == null; bytes = lines.next()) {
                    line = lines.lineNumber();
                    if (bytes == LineReader.TOO_LONG) {
                        queue.put(new Pending(line, CompletableFuture.completedFuture(new RecordResult.Rejected("invalid",
                                List.of(new FieldError("$", "the line is longer than the limit of " + maxLineBytes + " bytes"))))));
                        continue;
                    }
                    if (bytes.length == 0) continue;
                    Stop limited = tokens.take();
                    if (limited != null) {
                        stop.compareAndSet(null, limited);
                        break;
                    }
                    queue.put(new Pending(line, submit(bytes, key)));
                }
            } catch (IOException e) {
                stop.compareAndSet(null, new Stop("body_unreadable", "reading the stream failed at line " + (line + 1) + ": " + e.getMessage()));
            } finally {
                queue.put(Pending.END);
                writerThread.join();
            }
            metrics.batchSize(ROUTE, (int) Math.min(Integer.MAX_VALUE, writer.total));
        } finally {
            admission.close();
        }
    }

    private CompletableFuture<RecordResult> submit(byte[] bytes, ApiKey key) {
        Candidate candidate;
        try {
            candidate = lineRecords.one(bytes, "the line");
        } catch (ApiError e) {
            // One line is one line: only the column of a JSON error says anything.
            String message = e.getMessage().replace("(line 1, column ", "(column ");
            return CompletableFuture.completedFuture(new RecordResult.Rejected("invalid", List.of(new FieldError("$", message))));
        }
        return intake.submitOne(candidate, key);
    }

    /** Takes rate-limit tokens a chunk at a time; waits while the bucket is empty. */
    private final class Tokens {
        private final ApiKey key;
        private int credit;

        Tokens(ApiKey key) {
            this.key = key;
        }

        /** Before anything is written: an empty bucket is a plain 429. */
        void takeFirst() {
            switch (rateLimiter.acquire(key, TOKEN_CHUNK)) {
                case RateLimiter.Decision.Allowed a -> credit = TOKEN_CHUNK;
                case RateLimiter.Decision.Limited l -> {
                    metrics.rateLimited(key.id());
                    throw ApiError.of(429, "rate_limited", "API key '" + key.id() + "' is over its rate limit").retryAfter(l.retryAfter());
                }
                case RateLimiter.Decision.Unknown u -> throw ApiError.of(503, "rate_limit_unavailable", u.reason()).retryAfter(retryAfterUnavailable);
            }
        }

        /** @return null when a token was taken, else why the stream must stop */
        Stop take() throws InterruptedException {
            while (credit == 0) {
                switch (rateLimiter.acquire(key, TOKEN_CHUNK)) {
                    case RateLimiter.Decision.Allowed a -> credit = TOKEN_CHUNK;
                    case RateLimiter.Decision.Limited l -> {
                        metrics.rateLimited(key.id());
                        Thread.sleep(Math.min(l.retryAfter().toMillis(), MAX_PACING_WAIT.toMillis()));
                    }
                    case RateLimiter.Decision.Unknown u -> {
                        return new Stop("rate_limit_unavailable", u.reason());
                    }
                }
            }
            credit--;
            return null;
        }
    }

    /** Writes result lines in input order as their acknowledgements arrive, then the summary. */
    private final class Writer implements Runnable {
        private final OutputStream out;
        private final BlockingQueue<Pending> queue;
        private final AtomicReference<Stop> stop;
        long total;
        long accepted;
        long rejected;
        long unavailable;
        long lastLine;

        Writer(OutputStream out, BlockingQueue<Pending> queue, AtomicReference<Stop> stop) {
            this.out = out;
            this.queue = queue;
            this.stop = stop;
        }

        @Override
        public void run() {
            boolean clientGone = false;
            try (JsonGenerator g = ResultsJson.generator(out)) {
                g.setRootValueSeparator(null);
                while (true) {
                    Pending p = queue.take();
                    if (p == Pending.END) break;
                    RecordResult r = intake.await(p.result(), null, System.nanoTime() + intake.ackTimeout().toNanos());
                    count(r);
                    lastLine = p.line();
                    if (r instanceof RecordResult.Unavailable u) stop.compareAndSet(null, new Stop(u.reason(), "stopped at line " + p.line() + ": " + u.message()));
                    if (clientGone) continue;
                    try {
                        g.writeStartObject();
                        g.writeNumberField("line", p.line());
                        ResultsJson.writeResult(g, r);
                        g.writeEndObject();
                        g.writeRaw('\n');
                        if (queue.isEmpty()) g.flush();
                    } catch (IOException e) {
                        clientGone = true;
                        stop.compareAndSet(null, new Stop("client_gone", "the client stopped reading: " + e.getMessage()));
                    }
                }
                if (!clientGone) {
                    Stop s = stop.get();
                    g.writeStartObject();
                    g.writeObjectFieldStart("summary");
                    g.writeNumberField("lines", total);
                    g.writeNumberField("accepted", accepted);
                    g.writeNumberField("rejected", rejected);
                    g.writeNumberField("unavailable", unavailable);
                    g.writeBooleanField("complete", s == null);
                    if (s != null) {
                        g.writeNumberField("stoppedAfterLine", lastLine);
                        g.writeStringField("error", s.code());
                        g.writeStringField("message", s.message());
                        if (!s.code().equals("client_gone")) g.writeNumberField("retryAfterSeconds", ApiError.retryAfterSeconds(retryAfterUnavailable));
                    }
                    g.writeEndObject();
                    g.writeEndObject();
                    g.writeRaw('\n');
                    g.flush();
                }
            } catch (IOException e) {
                log.debug("stream answer not completely written: {}", e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void count(RecordResult r) {
            total++;
            switch (r) {
                case RecordResult.Accepted a -> accepted++;
                case RecordResult.Rejected x -> rejected++;
                case RecordResult.Unavailable x -> unavailable++;
            }
            intake.count(ROUTE, List.of(r));
        }
    }

    /** Reads lines of bytes; a line longer than the limit is skipped and reported as {@link #TOO_LONG}. */
    static final class LineReader {
        static final byte[] TOO_LONG = new byte[0];
        private final InputStream in;
        private final int max;
        private byte[] buffer = new byte[4096];
        private long lineNumber;

        LineReader(InputStream in, int max) {
            this.in = in;
            this.max = max;
        }

        long lineNumber() {
            return lineNumber;
        }

        /** The next line without its terminator ({@code \n} or {@code \r\n}), or null at the end. */
        byte[] next() throws IOException {
            int length = 0;
            boolean tooLong = false;
            int b;
            while ((b = in.read()) >= 0 && b != '\n') {
                if (tooLong) continue;
                if (length == max) {
                    tooLong = true;
                    continue;
                }
                if (length == buffer.length) buffer = java.util.Arrays.copyOf(buffer, Math.min(buffer.length * 2, max));
                buffer[length++] = (byte) b;
            }
            if (b < 0 && length == 0 && !tooLong) return null;
            lineNumber++;
            if (tooLong) return TOO_LONG;
            if (length > 0 && buffer[length - 1] == '\r') length--;
            return length == 0 ? new byte[0] : java.util.Arrays.copyOf(buffer, length);
        }
    }
}
