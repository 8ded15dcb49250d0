package org.compliancepipeline.cli.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Posts batches to the ingest API's {@code POST /v1/records:batch} with {@code Authorization: Bearer}. A 429 or 503
 * is retried after its {@code Retry-After}, sending again only the records the answer did not accept; a connection
 * failure is retried after a second. What is still not accepted after {@code retryFor} counts as failed.
 */
public final class HttpSender implements Sender {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient client;
    private final URI batchUri;
    private final String authorization;
    private final Duration retryFor;
    /** Whether the API ever answered: a connection failure before that is a wrong URL or a stopped API, not load. */
    private volatile boolean answered;

    public HttpSender(URI baseUrl, String apiKey, Duration retryFor) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        this.batchUri = baseUrl.resolve("/v1/records:batch");
        this.authorization = "Bearer " + apiKey;
        this.retryFor = retryFor;
    }

    @Override
    public Outcome send(List<RecordStream.Generated> batch) throws InterruptedException {
        Result[] results = new Result[batch.size()];
        List<Integer> pending = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) pending.add(i);
        long deadline = System.nanoTime() + retryFor.toNanos();
        int retries = 0;
        while (true) {
            long waitMillis;
            try {
                HttpResponse<String> response = client.send(request(batch, pending), HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                answered = true;
                JsonNode body = parse(response.body());
                if (status == 202 || status == 400 && body.has("results")) {
                    apply(body, pending, results, true);
                    pending.clear();
                } else if (status == 429 || status == 503) {
                    if (body.has("results")) {
                        List<Integer> left = apply(body, pending, results, false);
                        pending.clear();
                        pending.addAll(left);
                    }
                    waitMillis = retryAfterMillis(response);
                    if (!pending.isEmpty() && retry(deadline, waitMillis)) { retries++; continue; }
                } else {
                    throw new LoadAborted(batchUri + " answered " + status + ": " + abbreviate(response.body()));
                }
            } catch (IOException e) {
                if (!answered) throw new LoadAborted("cannot reach the ingest API at " + batchUri + ": " + e);
                if (retry(deadline, 1000)) { retries++; continue; }
            }
            for (int i : pending) if (results[i] == null) results[i] = Result.FAILED;
            return new Outcome(results, retries);
        }
    }

    private HttpRequest request(List<RecordStream.Generated> batch, List<Integer> indices) {
        StringBuilder body = new StringBuilder(indices.size() * 400).append('[');
        for (int n = 0; n < indices.size(); n++) {
            if (n > 0) body.append(',');
            body.append(ComplianceRecordJson.toJsonString(batch.get(indices.get(n)).record()));
        }
        body.append(']');
        return HttpRequest.newBuilder(batchUri).timeout(Duration.ofSeconds(60))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
    }

    /** Marks the answered records; returns the indices (into the batch) to send again. */
    private static List<Integer> apply(JsonNode body, List<Integer> sent, Result[] results, boolean final_) {
        List<Integer> again = new ArrayList<>();
        boolean[] answered = new boolean[sent.size()];
        for (JsonNode r : body.path("results")) {
            int index = r.path("index").asInt(-1);
            if (index < 0 || index >= sent.size()) continue;
            answered[index] = true;
            int original = sent.get(index);
            switch (r.path("status").asText()) {
                case "accepted" -> results[original] = Result.ACCEPTED;
                case "rejected" -> results[original] = Result.REJECTED;
                default -> {
                    if (final_) results[original] = Result.FAILED;
                    else again.add(original);
                }
            }
        }
        for (int i = 0; i < sent.size(); i++) {
            if (!answered[i]) {
                if (final_) results[sent.get(i)] = Result.FAILED;
                else again.add(sent.get(i));
            }
        }
        return again;
    }

    private static boolean retry(long deadline, long waitMillis) throws InterruptedException {
        if (System.nanoTime() + waitMillis * 1_000_000 > deadline) return false;
        Thread.sleep(waitMillis);
        return true;
    }

    static long retryAfterMillis(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(v -> {
            try {
                return Math.max(0, Math.min(60_000, Long.parseLong(v.trim()) * 1000));
            } catch (NumberFormatException e) {
                return 1000L;
            }
        }).orElse(1000L);
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isEmpty() ? "{}" : body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "HTTP " + batchUri;
    }
}
