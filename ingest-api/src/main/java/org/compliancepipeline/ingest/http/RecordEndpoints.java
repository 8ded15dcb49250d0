package org.compliancepipeline.ingest.http;

import org.compliancepipeline.platform.http.ApiError;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import org.compliancepipeline.ingest.IngestMetrics;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.ingest.oscal.AssessmentResultsMapper;
import org.compliancepipeline.ingest.records.Candidate;
import org.compliancepipeline.ingest.records.RecordIntake;
import org.compliancepipeline.ingest.records.RecordReader;
import org.compliancepipeline.ingest.records.RecordResult;
import org.compliancepipeline.ingest.redis.IdempotencyStore;
import org.compliancepipeline.platform.redis.RateLimiter;
import org.compliancepipeline.platform.redis.RedisGateway;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.json.FieldError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON write endpoints: one record, a batch, an OSCAL assessment-results document. They share
 * one path through the service (gate, idempotency, parse, rate limit, intake, answer) and differ
 * only in how the body becomes candidate records.
 */
public final class RecordEndpoints {
    public static final String ROUTE_ONE = "records";
    public static final String ROUTE_BATCH = "records:batch";
    public static final String ROUTE_OSCAL = "oscal/assessment-results";

    private final RequestGate gate;
    private final JsonBody json;
    private final RateLimiter rateLimiter;
    private final IdempotencyStore idempotency;
    private final RecordIntake intake;
    private final RecordReader reader;
    private final RecordBodies bodies;
    private final IngestMetrics metrics;
    private final String oscalSource;
    private final Duration retryAfterUnavailable;
    private final Duration retryAfterBusy;

    public RecordEndpoints(RequestGate gate, JsonBody json, RateLimiter rateLimiter, IdempotencyStore idempotency, RecordIntake intake,
                           RecordReader reader, IngestMetrics metrics, int maxBatchRecords, String oscalSource,
                           Duration retryAfterUnavailable, Duration retryAfterBusy) {
        this.gate = gate;
        this.json = json;
        this.rateLimiter = rateLimiter;
        this.idempotency = idempotency;
        this.intake = intake;
        this.reader = reader;
        this.bodies = new RecordBodies(json, reader, maxBatchRecords);
        this.metrics = metrics;
        this.oscalSource = oscalSource;
        this.retryAfterUnavailable = retryAfterUnavailable;
        this.retryAfterBusy = retryAfterBusy;
    }

    /** The records a request body holds, with optional extra fields for each result. */
    private record Candidates(List<Candidate> records, List<Map<String, String>> extras) { }

    @FunctionalInterface
    private interface Extractor {
        Candidates extract(byte[] body, ApiKey key, Context ctx);
    }

    /** A finished answer. */
    private record Answer(int status, byte[] body, Duration retryAfter) { }

    public void one(Context ctx) {
        submit(ctx, ROUTE_ONE, ApiKey.RECORDS_WRITE, RequestGate.JSON_TYPES,
                (body, key, c) -> new Candidates(List.of(bodies.one(body, "the request body")), null));
    }

    public void batch(Context ctx) {
        submit(ctx, ROUTE_BATCH, ApiKey.RECORDS_WRITE, RequestGate.JSON_TYPES, (body, key, c) -> new Candidates(bodies.batch(body), null));
    }

    public void oscal(Context ctx) {
        submit(ctx, ROUTE_OSCAL, ApiKey.OSCAL_WRITE, RequestGate.OSCAL_TYPES, this::oscalFindings);
    }

    private Candidates oscalFindings(byte[] bytes, ApiKey key, Context ctx) {
        JsonNode body = json.parse(bytes, 0, bytes.length, "the request body");
        String org = ctx.queryParam("org");
        if (org == null) org = key.singleOrg();
        if (org == null) {
            throw ApiError.of(400, "org_required", "API key '" + key.id() + "' is bound to several orgs: name one with ?org=");
        }
        if (!Ids.isId(org)) throw ApiError.of(400, "invalid_parameter", "org '" + org + "' is not a valid org id");
        if (!key.mayWrite(org)) {
            throw ApiError.of(403, "forbidden_org", "API key '" + key.id() + "' may not write records of org '" + org + "'; nothing was produced");
        }
        String framework = ctx.queryParam("framework") != null ? ctx.queryParam("framework") : key.framework();
        if (framework == null) {
            throw ApiError.of(400, "framework_required", "name the framework with ?framework= (e.g. nist-800-53-r5) or set it on the API key");
        }
        if (!Ids.isId(framework)) throw ApiError.of(400, "invalid_parameter", "framework '" + framework + "' is not a valid framework id");
        String source = ctx.queryParam("source") != null ? ctx.queryParam("source") : oscalSource;

        return switch (AssessmentResultsMapper.map(body, org, framework, source)) {
            case AssessmentResultsMapper.Mapping.Unusable u -> throw invalidOscal(u.errors());
            case AssessmentResultsMapper.Mapping.Mapped m -> {
                List<FieldError> errors = new ArrayList<>();
                List<Candidate> records = new ArrayList<>();
                List<Map<String, String>> extras = new ArrayList<>();
                for (var f : m.findings()) {
                    Candidate candidate = reader.judge(f.record());
                    // Checked here so that a document is taken whole or not at all.
                    if (candidate instanceof Candidate.Invalid inv) {
                        inv.errors().forEach(e -> errors.add(new FieldError(f.path() + "." + AssessmentResultsMapper.sourceOf(e.path()),
                                e.reason() + " (record field " + e.path() + ")")));
                    }
                    records.add(candidate);
                    extras.add(Map.of("findingUuid", f.findingUuid(), "controlId", f.record().get("controlId").textValue()));
                }
                if (!errors.isEmpty()) throw invalidOscal(errors);
                yield new Candidates(records, extras);
            }
        };
    }

    private static ApiError invalidOscal(List<FieldError> errors) {
        return ApiError.of(400, "invalid_oscal", "the OSCAL assessment-results document cannot be mapped ("
                + errors.size() + " problem" + (errors.size() == 1 ? "" : "s") + "); nothing was produced").with("errors", errors);
    }

    private void submit(Context ctx, String route, String scope, Set<String> types, Extractor extractor) {
        ApiKey key = gate.authenticate(ctx, scope);
        gate.requireContentType(ctx, types);
        String idempotencyKey = idempotencyKey(ctx);
        RequestGate.Admission admission = gate.admit(ctx, gate.maxBodyBytes());
        try {
            byte[] body = gate.readBody(ctx);
            if (idempotencyKey == null) send(ctx, answer(route, key, body, extractor, ctx), false);
            else answerOnce(ctx, route, key, idempotencyKey, body, extractor);
        } finally {
            admission.close();
        }
    }

    /** Answers a request with an Idempotency-Key: the first time for real, afterwards from Redis. */
    private void answerOnce(Context ctx, String route, ApiKey key, String idempotencyKey, byte[] body, Extractor extractor) {
        IdempotencyStore.Claim claim;
        try {
            claim = idempotency.claim(key.id(), idempotencyKey, route, body);
        } catch (RedisGateway.RedisUnavailable e) {
            throw ApiError.of(503, "idempotency_unavailable", "an Idempotency-Key cannot be honoured now: " + e.getMessage())
                    .retryAfter(retryAfterUnavailable);
        }
        switch (claim) {
            case IdempotencyStore.Claim.Replay r -> send(ctx, new Answer(r.status(), r.body(), null), true);
            case IdempotencyStore.Claim.Mismatch m -> throw ApiError.of(422, "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request; use a new key for new content");
            case IdempotencyStore.Claim.InProgress p -> throw ApiError.of(409, "idempotency_key_in_progress",
                    "a request with this Idempotency-Key is still being processed").retryAfter(Duration.ofSeconds(1));
            case IdempotencyStore.Claim.Granted granted -> {
                Answer answer;
                try {
                    answer = answer(route, key, body, extractor, ctx);
                } catch (ApiError e) {
                    if (keepable(e.status())) idempotency.complete(granted, e.status(), ResultsJson.error(e));
                    else idempotency.release(granted);
                    throw e;
                } catch (RuntimeException e) {
                    idempotency.release(granted);
                    throw e;
                }
                if (keepable(answer.status())) idempotency.complete(granted, answer.status(), answer.body());
                else idempotency.release(granted);
                send(ctx, answer, false);
            }
        }
    }

    /** Answers a retry should see again: everything but "try later" (429, 5xx) and conflicts. */
    private static boolean keepable(int status) {
        return status < 500 && status != 429 && status != 409;
    }

    private Answer answer(String route, ApiKey key, byte[] body, Extractor extractor, Context ctx) {
        Candidates candidates = extractor.extract(body, key, ctx);
        metrics.batchSize(route, candidates.records().size());
        if (!candidates.records().isEmpty()) limitRate(key, candidates.records().size());

        return switch (intake.submit(candidates.records(), key, route)) {
            case RecordIntake.Outcome.Forbidden f -> throw ApiError.of(403, "forbidden_org",
                            "API key '" + key.id() + "' may write records of " + key.orgs() + " only; " + f.records().size()
                                    + " record(s) name other orgs; nothing was produced")
                    .with("records", f.records().stream().map(r -> Map.of("index", r.index(), "orgId", r.orgId())).toList());
            case RecordIntake.Outcome.Submitted s -> respond(route, s.results(), candidates.extras());
        };
    }

    private Answer respond(String route, List<RecordResult> results, List<Map<String, String>> extras) {
        ResultsJson.Counts counts = ResultsJson.Counts.of(results);
        if (counts.anyKafkaDown()) {
            return new Answer(503, ResultsJson.results(results, extras, "kafka_unavailable", counts.unavailable()
                    + " record(s) were not written because Kafka is unavailable; retry them after the indicated time"
                    + (counts.accepted() > 0 ? " (" + counts.accepted() + " were written: do not resend those)" : "")), retryAfterUnavailable);
        }
        if (counts.anyBusy()) {
            return new Answer(429, ResultsJson.results(results, extras, "producer_busy", counts.unavailable()
                    + " record(s) were not written because the service is at capacity; retry them after the indicated time"
                    + (counts.accepted() > 0 ? " (" + counts.accepted() + " were written: do not resend those)" : "")), retryAfterBusy);
        }
        if (counts.accepted() == 0 && counts.rejected() > 0) {
            String code = route.equals(ROUTE_ONE) ? "invalid_record" : "invalid_records";
            return new Answer(400, ResultsJson.results(results, extras, code, route.equals(ROUTE_ONE)
                    ? "the record is invalid: " + describe(results.getFirst())
                    : "all " + counts.rejected() + " records are invalid; nothing was produced"), null);
        }
        return new Answer(202, ResultsJson.results(results, extras, null, null), null);
    }

    private static String describe(RecordResult r) {
        return r instanceof RecordResult.Rejected rej
                ? String.join("; ", rej.errors().stream().map(FieldError::toString).toList())
                : r.toString();
    }

    private void limitRate(ApiKey key, int records) {
        switch (rateLimiter.acquire(key, records)) {
            case RateLimiter.Decision.Allowed a -> { }
            case RateLimiter.Decision.Limited l -> {
                metrics.rateLimited(key.id());
                metrics.rejected("rate_limited", records);
                throw ApiError.of(429, "rate_limited", "API key '" + key.id() + "' is limited to " + fmt(l.limit().perSecond())
                                + " records/s (burst " + fmt(l.limit().burst()) + "); this request carries " + records + " record(s)")
                        .retryAfter(l.retryAfter());
            }
            case RateLimiter.Decision.Unknown u -> {
                metrics.rejected("rate_limit_unavailable", records);
                throw ApiError.of(503, "rate_limit_unavailable", u.reason()).retryAfter(retryAfterUnavailable);
            }
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** The Idempotency-Key header, checked: 1-255 visible ASCII characters. */
    static String idempotencyKey(Context ctx) {
        String k = ctx.header("Idempotency-Key");
        if (k == null) return null;
        if (k.isEmpty() || k.length() > 255 || !k.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ApiError.of(400, "invalid_idempotency_key", "Idempotency-Key must be 1-255 visible ASCII characters");
        }
        return k;
    }

    private static void send(Context ctx, Answer answer, boolean replayed) {
        ctx.status(answer.status());
        ctx.contentType("application/json");
        if (answer.retryAfter() != null) ctx.header("Retry-After", String.valueOf(ApiError.retryAfterSeconds(answer.retryAfter())));
        if (replayed) ctx.header("Idempotent-Replayed", "true");
        ctx.result(answer.body());
    }
}
