package org.compliancepipeline.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.http.ApiError;
import org.compliancepipeline.query.store.CacheStore;
import org.compliancepipeline.query.store.ControlCatalog;
import org.compliancepipeline.query.store.HistoryStore;
import org.compliancepipeline.query.store.SearchStore;
import org.compliancepipeline.query.store.StoreDown;
import org.compliancepipeline.schemas.ControlDefinition;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The read routes: each asks the store that answers its question best and says which one did.
 * Org scoping is applied here, in the query (the search filter, the keys asked), never by
 * filtering what came back from another org.
 */
public final class QueryEndpoints {
    static final String SCORE = "GET /v1/orgs/{org}/frameworks/{fw}/score";
    static final String CONTROLS = "GET /v1/orgs/{org}/frameworks/{fw}/controls";
    static final String TIMESERIES = "GET /v1/orgs/{org}/frameworks/{fw}/timeseries";
    static final String RECORD = "GET /v1/records/{recordId}";
    static final String LEADERBOARD = "GET /v1/leaderboard/{fw}";
    static final String SEARCH = "GET /v1/search";
    static final String LIVE = "GET /v1/live/scores/{fw}";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Duration> BUCKETS = Map.of("1h", Duration.ofHours(1), "1d", Duration.ofDays(1));
    private static final int MAX_BUCKETS = 2_000;

    private final CacheStore cache;
    private final HistoryStore history;
    private final SearchStore search;
    private final ControlCatalog catalog;
    private final Duration scoreTtl;
    private final int maxPageSize;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final Counter cacheBypass;

    public QueryEndpoints(CacheStore cache, HistoryStore history, SearchStore search, ControlCatalog catalog, Duration scoreTtl,
                          int maxPageSize, MeterRegistry registry) {
        this.cache = cache;
        this.history = history;
        this.search = search;
        this.catalog = catalog;
        this.scoreTtl = scoreTtl;
        this.maxPageSize = maxPageSize;
        this.cacheHits = Counter.builder("query.score.cache").tag("result", "hit").register(registry);
        this.cacheMisses = Counter.builder("query.score.cache").tag("result", "miss").register(registry);
        this.cacheBypass = Counter.builder("query.score.cache").tag("result", "bypass").register(registry);
    }

    /** 403 unless the key may read the org. */
    static void requireOrg(ApiKey key, String org) {
        if (!key.mayRead(org)) {
            throw ApiError.of(403, "org_forbidden", "API key '" + key.id() + "' may not read org '" + org + "'").with("parameter", "org");
        }
    }

    /** Current score: Redis, else the latest score in PostgreSQL, written back to Redis with a TTL. */
    public Answer score(Context ctx, ApiKey key, Params p) {
        String org = p.pathId("org");
        String fw = p.pathId("fw");
        requireOrg(key, org);
        Map<String, String> cached = Map.of();
        boolean redisUp = true;
        try {
            cached = cache.score(org, fw);
        } catch (StoreDown e) {
            redisUp = false;
        }
        if (!cached.isEmpty()) {
            cacheHits.increment();
            return new Answer(scoreBody(org, fw, cached, CacheStore.NAME, "hit"), 1, CacheStore.NAME);
        }
        Map<String, String> computed = history.latestScore(org, fw);
        if (computed == null) {
            throw ApiError.of(404, "not_found", "no score for org '" + org + "' and framework '" + fw + "'");
        }
        String cacheState = "bypass";
        if (redisUp) {
            try {
                cache.writeBackScore(org, fw, computed, scoreTtl);
                cacheState = "miss";
            } catch (StoreDown e) {
                // Redis went away between the read and the write: answer anyway.
            }
        }
        (cacheState.equals("miss") ? cacheMisses : cacheBypass).increment();
        return new Answer(scoreBody(org, fw, computed, HistoryStore.NAME, cacheState), 1, HistoryStore.NAME);
    }

    private static Map<String, Object> scoreBody(String org, String fw, Map<String, String> h, String source, String cacheState) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("orgId", org);
        m.put("framework", fw);
        m.put("score", number(h.get("score")));
        m.put("satisfiedWeight", number(h.get("satisfied")));
        m.put("applicableWeight", number(h.get("applicable")));
        Map<String, Object> controls = new LinkedHashMap<>();
        controls.put("satisfied", integer(h.get("controlsSatisfied")));
        controls.put("partiallySatisfied", integer(h.get("controlsPartiallySatisfied")));
        controls.put("notSatisfied", integer(h.get("controlsNotSatisfied")));
        controls.put("notApplicable", integer(h.get("controlsNotApplicable")));
        controls.put("unknown", integer(h.get("controlsUnknown")));
        m.put("controls", controls);
        m.put("updatedAt", h.get("updatedAt"));
        m.put("source", source);
        m.put("cache", cacheState);
        return m;
    }

    /** Current control statuses with catalog titles: Redis, else PostgreSQL's control_status. */
    public Answer controls(Context ctx, ApiKey key, Params p) {
        String org = p.pathId("org");
        String fw = p.pathId("fw");
        List<String> statuses = p.statuses("status");
        String family = p.text("family", 128);
        requireOrg(key, org);
        List<Map<String, Object>> rows = new ArrayList<>();
        String source = CacheStore.NAME;
        Map<String, String> entries;
        try {
            entries = cache.controlStatuses(org, fw);
        } catch (StoreDown e) {
            entries = null;
        }
        if (entries != null && !entries.isEmpty()) {
            for (var e : new java.util.TreeMap<>(entries).entrySet()) {
                JsonNode v = parse(e.getValue());
                String status = v.path("status").asText(null);
                rows.add(control(fw, e.getKey(), status, v.path("observedAt").asText(null), v.path("recordId").asText(null), null));
            }
        } else {
            source = HistoryStore.NAME;
            for (HistoryStore.ControlRow r : history.controlStatuses(org, fw, null)) {
                rows.add(control(fw, r.controlId(), r.status(), r.observedAt().toString(), r.recordId(), r.family()));
            }
        }
        rows.removeIf(r -> (!statuses.isEmpty() && !statuses.contains((String) r.get("status")))
                || (family != null && !family.equals(r.get("family"))));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orgId", org);
        body.put("framework", fw);
        body.put("source", source);
        body.put("count", rows.size());
        body.put("controls", rows);
        return new Answer(body, rows.size(), source);
    }

    private Map<String, Object> control(String fw, String controlId, String status, String observedAt, String recordId, String family) {
        ControlDefinition def = catalog == null ? null : catalog.control(fw, controlId);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("controlId", controlId);
        m.put("title", def == null ? null : def.getTitle());
        m.put("family", def != null ? def.getFamily() : family);
        m.put("familyTitle", def == null ? null : def.getFamilyTitle());
        m.put("status", status);
        m.put("observedAt", observedAt);
        m.put("recordId", recordId);
        return m;
    }

    /** Score and pass rate per bucket: TimescaleDB continuous aggregate / time_bucket, or date_bin on PostgreSQL. */
    public Answer timeseries(Context ctx, ApiKey key, Params p) {
        String org = p.pathId("org");
        String fw = p.pathId("fw");
        String bucketName = p.oneOf("bucket", "1d", List.of("1h", "1d"));
        Duration bucket = BUCKETS.get(bucketName);
        Instant to = p.instant("to");
        Instant from = p.instant("from");
        if (to == null) to = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        if (from == null) from = to.minus(bucket.multipliedBy(30));
        if (!from.isBefore(to)) throw Params.invalid("from", "must be before to (" + to + "), got " + from);
        if (Duration.between(from, to).dividedBy(bucket) > MAX_BUCKETS) {
            throw Params.invalid("from", "the range holds more than " + MAX_BUCKETS + " buckets of " + bucketName + "; narrow from..to or use bucket=1d");
        }
        requireOrg(key, org);
        HistoryStore.Series series = history.timeseries(org, fw, from, to, bucket);
        List<Map<String, Object>> points = new ArrayList<>();
        for (HistoryStore.Point pt : series.points()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bucket", pt.bucket().toString());
            m.put("score", pt.score());
            m.put("passRate", pt.passRate());
            m.put("satisfied", pt.satisfied());
            m.put("partiallySatisfied", pt.partiallySatisfied());
            m.put("notSatisfied", pt.notSatisfied());
            m.put("records", pt.records());
            points.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("orgId", org);
        body.put("framework", fw);
        body.put("bucket", bucketName);
        body.put("from", from.toString());
        body.put("to", to.toString());
        body.put("source", HistoryStore.NAME);
        body.put("method", series.method().name().toLowerCase(java.util.Locale.ROOT));
        body.put("points", points);
        return new Answer(body, points.size(), HistoryStore.NAME);
    }

    /** One record: Redis (recent records), else PostgreSQL. A record of another org is "not found". */
    public Answer record(Context ctx, ApiKey key, Params p) {
        String id = p.pathRecordId("recordId");
        String raw = null;
        try {
            raw = cache.record(id);
        } catch (StoreDown e) {
            // PostgreSQL holds every record: ask it.
        }
        Map<String, Object> body = new LinkedHashMap<>();
        String source;
        Object record;
        String org;
        if (raw != null) {
            JsonNode n = parse(raw);
            org = n.path("orgId").asText(null);
            record = n;
            source = CacheStore.NAME;
        } else {
            Map<String, Object> row = history.record(id);
            org = row == null ? null : (String) row.get("orgId");
            record = row;
            source = HistoryStore.NAME;
        }
        if (record == null || org == null || !key.mayRead(org)) {
            throw ApiError.of(404, "not_found", "no record '" + id + "' that this API key may read");
        }
        body.put("recordId", id);
        body.put("source", source);
        body.put("record", record);
        return new Answer(body, 1, source);
    }

    /** Orgs of a framework, worst score first; a scoped key sees only its own orgs (with their rank). */
    public Answer leaderboard(Context ctx, ApiKey key, Params p) {
        String fw = p.pathId("fw");
        int limit = p.integer("limit", 20, 1, maxPageSize);
        List<Map.Entry<String, Double>> all = cache.leaderboard(fw);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < all.size() && rows.size() < limit; i++) {
            var e = all.get(i);
            if (!key.mayRead(e.getKey())) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rank", i + 1);
            m.put("orgId", e.getKey());
            m.put("score", e.getValue());
            rows.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("framework", fw);
        body.put("source", CacheStore.NAME);
        body.put("order", "worst_first");
        body.put("entries", rows);
        return new Answer(body, rows.size(), CacheStore.NAME);
    }

    static final Set<String> SEARCH_PARAMS = Set.of("q", "org", "framework", "control", "family", "status", "source", "from", "to",
            "sort", "order", "size", "cursor");

    /** Full text with filters, facets, highlighting, sort and search_after paging; the key's org scope is a filter. */
    public Answer search(Context ctx, ApiKey key, Params p) {
        String text = p.text("q", 1_000);
        List<String> orgs = p.ids("org");
        Map<String, List<String>> filters = new LinkedHashMap<>();
        List<String> frameworks = p.ids("framework");
        if (!frameworks.isEmpty()) filters.put("framework", frameworks);
        List<String> controls = p.ids("control");
        if (!controls.isEmpty()) filters.put("controlId", controls);
        List<String> families = p.ids("family");
        if (!families.isEmpty()) filters.put("family", families);
        List<String> statuses = p.statuses("status");
        if (!statuses.isEmpty()) filters.put("status", statuses);
        List<String> sources = p.words("source", 256);
        if (!sources.isEmpty()) filters.put("source", sources);
        Instant from = p.instant("from");
        Instant to = p.instant("to");
        if (from != null && to != null && !from.isBefore(to)) throw Params.invalid("from", "must be before to (" + to + "), got " + from);
        String sort = p.oneOf("sort", text == null ? "observedAt" : "_score", SearchStore.SORTS);
        String order = p.oneOf("order", "desc", List.of("asc", "desc"));
        int size = p.integer("size", 20, 1, maxPageSize);
        List<Object> after = cursor(p.raw("cursor"), sort, order);

        List<String> scope;
        if (key.orgScoped()) {
            for (String o : orgs) requireOrg(key, o);
            scope = orgs.isEmpty() ? key.orgs() : orgs;
        } else {
            scope = orgs.isEmpty() ? null : orgs;
        }
        SearchStore.Result r = search.search(new SearchStore.Search(text, scope, filters, from, to, sort, order.equals("asc"), size, after));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", SearchStore.NAME);
        body.put("total", r.total());
        body.put("hits", r.hits());
        body.put("facets", r.facets());
        body.put("nextCursor", r.nextAfter() == null ? null : encodeCursor(r.nextAfter(), sort, order));
        return new Answer(body, r.hits().size(), SearchStore.NAME);
    }

    /** The cursor is the last hit's sort values with the sort it belongs to, base64url JSON: opaque to clients. */
    static String encodeCursor(List<Object> after, String sort, String order) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sort", sort);
        m.put("order", order);
        m.put("after", after);
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(m));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Object> cursor(String raw, String sort, String order) {
        if (raw == null || raw.isBlank()) return null;
        JsonNode n;
        try {
            n = JSON.readTree(new String(Base64.getUrlDecoder().decode(raw.trim()), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw Params.invalid("cursor", "is not a cursor of this API (use nextCursor of the previous page as it is)");
        }
        if (n == null || !n.path("after").isArray() || n.path("after").size() != 2) {
            throw Params.invalid("cursor", "is not a cursor of this API (use nextCursor of the previous page as it is)");
        }
        if (!sort.equals(n.path("sort").asText()) || !order.equals(n.path("order").asText())) {
            throw Params.invalid("cursor", "belongs to sort=" + n.path("sort").asText() + "&order=" + n.path("order").asText()
                    + "; send the same sort and order as the page it came from");
        }
        List<Object> after = new ArrayList<>();
        for (JsonNode v : n.path("after")) {
            if (v.isIntegralNumber()) after.add(v.longValue());
            else if (v.isNumber()) after.add(v.doubleValue());
            else if (v.isTextual()) after.add(v.textValue());
            else if (v.isNull()) after.add(null);
            else throw Params.invalid("cursor", "is not a cursor of this API");
        }
        return after;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("the cache holds a value that is not JSON", e);
        }
    }

    private static Object number(String v) {
        if (v == null) return null;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Object integer(String v) {
        if (v == null) return null;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
