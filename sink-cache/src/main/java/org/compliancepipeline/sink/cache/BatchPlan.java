package org.compliancepipeline.sink.cache;

import org.compliancepipeline.schemas.StatusOrder;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.WriteResult;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of consumed records as Redis updates:
 * <ul>
 *   <li>an enriched record: one {@code SET cp:rec:{recordId} <json> PXAT ingestedAt+TTL};</li>
 *   <li>control statuses: one {@code status.lua} call per (org, framework) with every event of it in the batch;</li>
 *   <li>scores: one {@code score.lua} call per (org, framework) and one {@code leaderboard.lua} call per framework.</li>
 * </ul>
 * Events keep their partition order inside a call, and all events of one entity (a control, an org's
 * score) always go into the same call, so each entity's events are applied in order and atomically
 * even when part of a batch is retried. A call holds at most {@code CACHE_SCRIPT_EVENTS} events unless
 * one entity alone has more, which bounds how long one script blocks the server.
 * Records that cannot be stored (ids that would break the key scheme, non-finite numbers) are refused
 * here as poison, before anything is sent. Keys and arguments are built as bytes, ready for the wire.
 */
final class BatchPlan {
    /** Hash fields of {@code cp:{org/fw}:score}, in the order score.lua receives them. */
    static final List<String> SCORE_FIELDS = List.of("score", "satisfied", "applicable", "updatedAt", "controlsSatisfied",
            "controlsPartiallySatisfied", "controlsNotSatisfied", "controlsNotApplicable", "controlsUnknown");
    private static final byte[][] SCORE_FIELD_BYTES = SCORE_FIELDS.stream().map(BatchPlan::bytes).toArray(byte[][]::new);
    private static final byte[] EMPTY = new byte[0], VALUE = bytes("v"), TOMBSTONE = bytes("t");

    sealed interface Update permits RecordWrite, ScriptCall {
        /** The consumed records this update stores (a failure of the update is a failure of each). */
        List<SinkRecord<CacheUpdate>> sources();
    }

    /** {@code SET key json [PXAT expireAt]}; {@code expireAtMillis} 0 = no TTL. */
    record RecordWrite(byte[] key, byte[] json, long expireAtMillis, SinkRecord<CacheUpdate> source) implements Update {
        @Override
        public List<SinkRecord<CacheUpdate>> sources() {
            return List.of(source);
        }
    }

    /** {@code EVALSHA script keys args}; {@code sources} holds one record per event, in the order of the script's results. */
    record ScriptCall(CacheScript script, byte[][] keys, byte[][] args, List<SinkRecord<CacheUpdate>> sources) implements Update { }

    final List<Update> updates = new ArrayList<>();
    final List<WriteResult.Failure<CacheUpdate>> refused = new ArrayList<>();
    int expiredRecords;
    int ignoredTombstones;

    private final CacheSinkConfig config;
    private final CacheKeys keys;
    /** slot (org/fw) -> control -> events */
    private final Map<String, Map<String, List<Event>>> statuses = new LinkedHashMap<>();
    /** slot (org/fw) -> the one entity -> events */
    private final Map<String, Map<String, List<Event>>> scores = new LinkedHashMap<>();
    /** slot (fw) -> org -> events */
    private final Map<String, Map<String, List<Event>>> leaderboards = new LinkedHashMap<>();

    private record Event(SinkRecord<CacheUpdate> source, byte[][] args) { }

    private BatchPlan(CacheSinkConfig config) {
        this.config = config;
        this.keys = config.keys();
    }

    static BatchPlan of(List<SinkRecord<CacheUpdate>> records, CacheSinkConfig config, long nowMillis) {
        BatchPlan plan = new BatchPlan(config);
        for (SinkRecord<CacheUpdate> r : records) {
            try {
                plan.add(r, nowMillis);
            } catch (IllegalArgumentException e) {
                plan.refused.add(new WriteResult.Failure<>(r, FailureKind.POISON, e));
            }
        }
        plan.statuses.forEach((slot, events) -> plan.calls(CacheScript.STATUS, statusKeys(plan.keys, slot),
                new byte[][]{ttl(config.statusTtl())}, events));
        plan.scores.forEach((slot, events) -> plan.calls(CacheScript.SCORE, scoreKeys(plan.keys, slot),
                new byte[][]{ttl(config.scoreTtl()), number(SCORE_FIELDS.size())}, events));
        plan.leaderboards.forEach((framework, events) -> plan.calls(CacheScript.LEADERBOARD,
                new byte[][]{bytes(plan.keys.leaderboard(framework)), bytes(plan.keys.leaderboardMeta(framework)), bytes(plan.keys.scoreStream(framework))},
                new byte[][]{ttl(config.leaderboardTtl()), bytes(framework), config.stream() == null ? bytes("0") : number(config.streamMaxLen()),
                        ttl(config.streamTtl()), config.channel() == null ? EMPTY : bytes(config.channel())}, events));
        return plan;
    }

    private void add(SinkRecord<CacheUpdate> r, long nowMillis) {
        String topic = r.topic();
        switch (r.value()) {
            case CacheUpdate.Enriched e -> addRecord(r, e, nowMillis);
            case CacheUpdate.Status s -> addStatus(r, s.orgId(), s.framework(), s.controlId(), s);
            case CacheUpdate.Score s -> addScore(r, s.orgId(), s.framework(), s);
            case null -> {
                if (topic.equals(config.controlStatusTopic())) {
                    String[] k = splitKey(r, 3);
                    addStatus(r, k[0], k[1], k[2], null);
                } else if (topic.equals(config.scoresTopic())) {
                    String[] k = splitKey(r, 2);
                    addScore(r, k[0], k[1], null);
                } else {
                    ignoredTombstones++; // the enriched topic is not compacted: a null value means nothing there
                }
            }
        }
    }

    private void addRecord(SinkRecord<CacheUpdate> r, CacheUpdate.Enriched e, long nowMillis) {
        String recordId = e.recordId();
        if (!isId(recordId, true)) throw new IllegalArgumentException("recordId is not a valid record id: '" + recordId + "'");
        long expireAt = 0;
        if (!config.recordTtl().isZero()) {
            // Anchored on when the pipeline accepted the record: a replay writes the same expiry, and
            // records already older than the TTL are not loaded at all.
            expireAt = e.ingestedAtMillis() + config.recordTtl().toMillis();
            if (expireAt <= nowMillis) {
                expiredRecords++;
                return;
            }
        }
        updates.add(new RecordWrite(bytes(keys.record(recordId)), e.json(), expireAt, r));
    }

    private void addStatus(SinkRecord<CacheUpdate> r, String org, String framework, String control, CacheUpdate.Status s) {
        requireId("orgId", org);
        requireId("framework", framework);
        requireId("controlId", control);
        byte[][] args;
        if (s == null) {
            args = new byte[][]{bytes(control), number(r.offset()), TOMBSTONE, EMPTY, EMPTY, EMPTY};
        } else {
            if (!isId(s.recordId(), true)) throw new IllegalArgumentException("recordId is not a valid record id: '" + s.recordId() + "'");
            args = new byte[][]{bytes(control), number(r.offset()), VALUE, number(StatusOrder.rank(s.observedAtMillis(), s.status())),
                    bytes(s.recordId()), CacheJson.status(s.status(), s.observedAtMillis(), s.recordId())};
        }
        statuses.computeIfAbsent(org + "/" + framework, k -> new LinkedHashMap<>())
                .computeIfAbsent(control, k -> new ArrayList<>(2)).add(new Event(r, args));
    }

    private void addScore(SinkRecord<CacheUpdate> r, String org, String framework, CacheUpdate.Score s) {
        requireId("orgId", org);
        requireId("framework", framework);
        byte[] offset = number(r.offset());
        byte[][] hashArgs = new byte[3 + 2 * SCORE_FIELDS.size()][];
        byte[][] boardArgs = new byte[8][];
        hashArgs[0] = offset;
        boardArgs[0] = bytes(org);
        boardArgs[1] = offset;
        if (s == null) {
            Arrays.fill(hashArgs, 1, hashArgs.length, EMPTY);
            hashArgs[1] = TOMBSTONE;
            Arrays.fill(boardArgs, 2, boardArgs.length, EMPTY);
            boardArgs[2] = TOMBSTONE;
        } else {
            byte[] updatedAt = number(s.updatedAtMillis());
            byte[] score = bytes(CacheJson.number(s.score()));
            byte[] satisfied = bytes(CacheJson.number(s.satisfiedWeight()));
            byte[] applicable = bytes(CacheJson.number(s.applicableWeight()));
            byte[] iso = bytes(CacheJson.iso(s.updatedAtMillis()));
            byte[][] values = {score, satisfied, applicable, iso, number(s.controlsSatisfied()),
                    number(s.controlsPartiallySatisfied()), number(s.controlsNotSatisfied()),
                    number(s.controlsNotApplicable()), number(s.controlsUnknown())};
            hashArgs[1] = VALUE;
            hashArgs[2] = updatedAt;
            for (int i = 0; i < values.length; i++) {
                hashArgs[3 + 2 * i] = SCORE_FIELD_BYTES[i];
                hashArgs[4 + 2 * i] = values[i];
            }
            boardArgs[2] = VALUE;
            boardArgs[3] = updatedAt;
            boardArgs[4] = score;
            boardArgs[5] = satisfied;
            boardArgs[6] = applicable;
            boardArgs[7] = iso;
        }
        String slot = org + "/" + framework;
        scores.computeIfAbsent(slot, k -> new LinkedHashMap<>()).computeIfAbsent(slot, k -> new ArrayList<>()).add(new Event(r, hashArgs));
        leaderboards.computeIfAbsent(framework, k -> new LinkedHashMap<>()).computeIfAbsent(org, k -> new ArrayList<>()).add(new Event(r, boardArgs));
    }

    /** Packs a slot's events into calls of about {@code scriptEvents}, never splitting one entity's events. */
    private void calls(CacheScript script, byte[][] callKeys, byte[][] head, Map<String, List<Event>> byEntity) {
        List<Event> pending = new ArrayList<>();
        for (List<Event> entity : byEntity.values()) {
            if (!pending.isEmpty() && pending.size() + entity.size() > config.scriptEvents()) {
                updates.add(call(script, callKeys, head, pending));
                pending = new ArrayList<>();
            }
            pending.addAll(entity);
        }
        if (!pending.isEmpty()) updates.add(call(script, callKeys, head, pending));
    }

    private static ScriptCall call(CacheScript script, byte[][] keys, byte[][] head, List<Event> events) {
        int width = events.getFirst().args().length;
        byte[][] args = new byte[head.length + width * events.size()][];
        System.arraycopy(head, 0, args, 0, head.length);
        List<SinkRecord<CacheUpdate>> sources = new ArrayList<>(events.size());
        int at = head.length;
        for (Event e : events) {
            System.arraycopy(e.args(), 0, args, at, width);
            at += width;
            sources.add(e.source());
        }
        return new ScriptCall(script, keys, args, sources);
    }

    private static byte[][] statusKeys(CacheKeys keys, String slot) {
        String[] k = slot.split("/", 2);
        return new byte[][]{bytes(keys.status(k[0], k[1])), bytes(keys.statusMeta(k[0], k[1]))};
    }

    private static byte[][] scoreKeys(CacheKeys keys, String slot) {
        String[] k = slot.split("/", 2);
        return new byte[][]{bytes(keys.score(k[0], k[1])), bytes(keys.scoreMeta(k[0], k[1]))};
    }

    private static byte[] ttl(java.time.Duration ttl) {
        return number(ttl.toMillis());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] number(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String[] splitKey(SinkRecord<CacheUpdate> r, int parts) {
        String key = r.keyString();
        if (key == null) throw new IllegalArgumentException("tombstone without a key on " + r.topic());
        String[] k = key.split("/", -1);
        if (k.length != parts) throw new IllegalArgumentException("tombstone key '" + key + "' on " + r.topic() + " is not " + (parts == 3 ? "org/framework/control" : "org/framework"));
        return k;
    }

    private static void requireId(String what, String value) {
        if (!isId(value, false)) throw new IllegalArgumentException(what + " is not a valid id: '" + value + "'");
    }

    /**
     * {@link org.compliancepipeline.schemas.Ids#ID} (or {@code RECORD_ID}, which also allows ':') without a regex:
     * a letter or digit, then up to 127 letters, digits or {@code . _ ( ) -}. {@code BatchPlanTest} checks both agree.
     */
    static boolean isId(String value, boolean recordId) {
        if (value == null) return false;
        int n = value.length();
        if (n == 0 || n > org.compliancepipeline.schemas.Ids.MAX_LENGTH) return false;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (i > 0 && (c == '.' || c == '_' || c == '(' || c == ')' || c == '-' || (recordId && c == ':')));
            if (!ok) return false;
        }
        return true;
    }
}
