package org.compliancepipeline.sink.search;

import co.elastic.clients.transport.rest5_client.low_level.Request;
import co.elastic.clients.transport.rest5_client.low_level.Response;
import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import co.elastic.clients.transport.rest5_client.low_level.ResponseListener;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;

/**
 * Sends bulk requests: actions are appended to a body until it reaches {@code maxActions} or
 * {@code maxBytes}, then the body is sent asynchronously while the next one fills; at most
 * {@code inFlight.permits} requests are outstanding (the semaphore is shared by every writer of
 * the instance, so it bounds what the instance asks of the cluster). {@link Session#finish()}
 * waits for all of them and returns one {@link ItemResult} per action, in order.
 *
 * <p>Responses are filtered on the server ({@code filter_path}) to each item's status and error,
 * which keeps every item in place and makes the response a fraction of its full size.
 */
final class BulkIndexer {
    static final ContentType NDJSON = ContentType.create("application/x-ndjson");
    private static final String FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason,"
            + "items.*.error.caused_by.type,items.*.error.caused_by.reason";

    private final Rest5Client client;
    private final Semaphore inFlight;
    private final int maxActions;
    private final long maxBytes;
    private final SearchMetrics metrics;
    private final JsonFactory json;

    BulkIndexer(Rest5Client client, Semaphore inFlight, int maxActions, long maxBytes, SearchMetrics metrics, JsonFactory json) {
        this.client = client;
        this.inFlight = inFlight;
        this.maxActions = maxActions;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        this.json = json;
    }

    Session session() {
        return new Session();
    }

    /** What Elasticsearch said about one action, or the failure of the whole request that carried it. */
    record ItemResult(int status, String errorType, String reason, Exception requestFailure) {
        static ItemResult ofStatus(int status) {
            return new ItemResult(status, null, null, null);
        }

        boolean ok() {
            return requestFailure == null && status >= 200 && status < 300;
        }
    }

    final class Session {
        private byte[] body = new byte[64 * 1024];
        private int size;
        private int actions;
        private final List<Sent> sent = new ArrayList<>();

        /** Appends one action (its NDJSON lines), sending the current body first when this one would not fit. */
        void add(byte[] bytes, int off, int len) throws InterruptedException {
            if (actions > 0 && (actions >= maxActions || size + (long) len > maxBytes)) send();
            if (size + len > body.length) body = Arrays.copyOf(body, Math.max(body.length * 2, size + len));
            System.arraycopy(bytes, off, body, size, len);
            size += len;
            actions++;
        }

        /** Sends what is left and waits for every request of this session. */
        List<ItemResult> finish() throws InterruptedException {
            if (actions > 0) send();
            List<ItemResult> results = new ArrayList<>();
            for (Sent s : sent) {
                try {
                    results.addAll(parse(s.response.get(), s.actions));
                } catch (ExecutionException e) {
                    Exception cause = e.getCause() instanceof Exception ex ? ex : new IOException(e.getCause());
                    ItemResult failed = new ItemResult(0, null, null, cause);
                    for (int i = 0; i < s.actions; i++) results.add(failed);
                } catch (IOException | RuntimeException e) {
                    ItemResult failed = new ItemResult(0, null, null, new IOException("unreadable bulk response: " + e, e));
                    for (int i = 0; i < s.actions; i++) results.add(failed);
                }
            }
            return results;
        }

        private void send() throws InterruptedException {
            Request request = new Request("POST", "/_bulk");
            request.addParameter("filter_path", FILTER);
            // The body array is handed over, not copied: this session starts a new one.
            request.setEntity(new ByteArrayEntity(body, 0, size, NDJSON));
            CompletableFuture<Response> response = new CompletableFuture<>();
            int count = actions;
            long bytes = size;
            inFlight.acquire();
            metrics.bulkStarted(bytes);
            long start = System.nanoTime();
            try {
                client.performRequestAsync(request, new ResponseListener() {
                    @Override
                    public void onSuccess(Response r) {
                        inFlight.release();
                        if (r.getStatusCode() >= 300) {
                            // The whole request refused with a 4xx (400 malformed, 413 too large, 429 rejected ...).
                            metrics.bulkFinished(System.nanoTime() - start, false);
                            try {
                                response.completeExceptionally(new ResponseException(r));
                            } catch (IOException | RuntimeException e) {
                                response.completeExceptionally(new IOException("bulk request failed with status " + r.getStatusCode(), e));
                            }
                            return;
                        }
                        metrics.bulkFinished(System.nanoTime() - start, true);
                        response.complete(r);
                    }

                    @Override
                    public void onFailure(Exception e) {
                        inFlight.release();
                        metrics.bulkFinished(System.nanoTime() - start, false);
                        response.completeExceptionally(e);
                    }
                });
            } catch (RuntimeException e) {
                inFlight.release();
                metrics.bulkFinished(System.nanoTime() - start, false);
                response.completeExceptionally(e);
            }
            sent.add(new Sent(response, count));
            body = new byte[body.length];
            size = 0;
            actions = 0;
        }
    }

    private record Sent(CompletableFuture<Response> response, int actions) { }

    /** Reads {"errors":..,"items":[{"<op>":{"status":..,"error":{..}}},...]} as one result per item. */
    List<ItemResult> parse(Response response, int expected) throws IOException {
        List<ItemResult> out = new ArrayList<>(expected);
        try (InputStream in = response.getEntity().getContent(); JsonParser p = json.createParser(in)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!"items".equals(field)) {
                    p.skipChildren();
                    continue;
                }
                expect(value, JsonToken.START_ARRAY);
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    expect(p.nextToken(), JsonToken.FIELD_NAME);   // the operation: create, index, delete
                    expect(p.nextToken(), JsonToken.START_OBJECT);
                    out.add(item(p));
                    expect(p.nextToken(), JsonToken.END_OBJECT);
                }
            }
        }
        if (out.size() != expected) throw new IOException("bulk response has " + out.size() + " items for " + expected + " actions");
        return out;
    }

    private static ItemResult item(JsonParser p) throws IOException {
        int status = 0;
        String type = null;
        String reason = null;
        String causeType = null;
        String causeReason = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if ("status".equals(field)) {
                status = p.getIntValue();
            } else if ("error".equals(field) && p.currentToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "type" -> type = p.getText();
                        case "reason" -> reason = p.getText();
                        case "caused_by" -> {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String c = p.currentName();
                                p.nextToken();
                                if ("type".equals(c)) causeType = p.getText();
                                else if ("reason".equals(c)) causeReason = p.getText();
                                else p.skipChildren();
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        if (type == null) return ItemResult.ofStatus(status);
        String text = shorten(reason);
        if (causeType != null) text += " (caused by " + causeType + ": " + shorten(causeReason) + ")";
        return new ItemResult(status, type, text, null);
    }

    /** Reasons can quote a whole field value (e.g. 40 KB of it): keep what says why. */
    static String shorten(String s) {
        if (s == null) return "";
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }

    private static void expect(JsonToken actual, JsonToken wanted) throws IOException {
        if (actual != wanted) throw new IOException("unexpected bulk response: " + actual + " where " + wanted + " was expected");
    }
}
