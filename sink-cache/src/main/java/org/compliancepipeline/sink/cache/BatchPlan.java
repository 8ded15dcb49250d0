package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.StatusOrder;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.WriteResult;

import java.util.ArrayList;
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
 * here as poison, before anything is sent.
 */
final class BatchPlan {
    /** Hash fields of {@code cp:{org/fw}:score}, in the order score.lua receives them. */
    static final List<String> SCORE_FIELDS = List.of("score", "satisfied", "applicable", "updatedAt", "controlsSatisfied",
            "controlsPartiallySatisfied", "controlsNotSatisfied", "controlsNotApplicable", "controlsUnknown");

    sealed interface Update permits RecordWrite, ScriptCall {
        /** The consumed records this update stores (a failure of the update is a failure of each). */
        List<SinkRecord<SpecificRecord>> sources();
    }

    /** {@code SET key json [PXAT expireAt]}; {@code expireAtMillis} 0 = no TTL. */
    record RecordWrite(String key, String json, long expireAtMillis, SinkRecord<SpecificRecord> source) implements Update {
        @Override
        public List<SinkRecord<SpecificRecord>> sources() {
            return List.of(source);
        }
    }

    /** {@code EVALSHA script keys args}; {@code sources} holds one record per event, in the order of the script's results. */
    record ScriptCall(CacheScript script, String[] keys, String[] args, List<SinkRecord<SpecificRecord>> sources) implements Update { }

    final List<Update> updates = new ArrayList<>();
    final List<WriteResult.Failure<SpecificRecord>> refused = new ArrayList<>();
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

    private record Event(SinkRecord<SpecificRecord> source, String[] args) { }

    private BatchPlan(CacheSinkConfig config) {
        this.config = config;
        this.keys = config.keys();
    }

    static BatchPlan of(List<SinkRecord<SpecificRecord>> records, CacheSinkConfig config, long nowMillis) {
        BatchPlan plan = new BatchPlan(config);
        for (SinkRecord<SpecificRecord> r : records) {
            try {
                plan.add(r, nowMillis);
            } catch (IllegalArgumentException e) {
                plan.refused.add(new WriteResult.Failure<>(r, FailureKind.POISON, e));
            }
        }
        plan.statuses.forEach((slot, events) -> plan.calls(CacheScript.STATUS, statusKeys(plan.keys, slot),
                new String[]{ttl(config.statusTtl())}, events));
        plan.scores.forEach((slot, events) -> plan.calls(CacheScript.SCORE, scoreKeys(plan.keys, slot),
                new String[]{ttl(config.scoreTtl()), String.valueOf(SCORE_FIELDS.size())}, events));
        plan.leaderboards.forEach((framework, events) -> plan.calls(CacheScript.LEADERBOARD,
                new String[]{plan.keys.leaderboard(framework), plan.keys.leaderboardMeta(framework), plan.keys.scoreStream(framework)},
                new String[]{ttl(config.leaderboardTtl()), framework, config.stream() == null ? "0" : String.valueOf(config.streamMaxLen()),
                        ttl(config.streamTtl()), config.channel() == null ? "" : config.channel()}, events));
        return plan;
    }

    private void add(SinkRecord<SpecificRecord> r, long nowMillis) {
        String topic = r.topic();
        switch (r.value()) {
            case EnrichedRecord e -> addRecord(r, e, nowMillis);
            case ControlStatus s -> addStatus(r, s.getOrgId(), s.getFramework(), s.getControlId(), s);
            case ComplianceScore s -> addScore(r, s.getOrgId(), s.getFramework(), s);
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
            default -> throw new IllegalArgumentException("unexpected " + r.value().getClass().getSimpleName() + " on " + topic);
        }
    }

    private void addRecord(SinkRecord<SpecificRecord> r, EnrichedRecord e, long nowMillis) {
        String recordId = e.getRecord().getRecordId();
        if (!Ids.isRecordId(recordId)) throw new IllegalArgumentException("recordId is not a valid record id: '" + recordId + "'");
        long expireAt = 0;
        if (!config.recordTtl().isZero()) {
            // Anchored on when the pipeline accepted the record: a replay writes the same expiry, and
            // records already older than the TTL are not loaded at all.
            expireAt = e.getIngestedAt().toEpochMilli() + config.recordTtl().toMillis();
            if (expireAt <= nowMillis) {
                expiredRecords++;
                return;
            }
        }
        updates.add(new RecordWrite(keys.record(recordId), CacheJson.record(e), expireAt, r));
    }

    private void addStatus(SinkRecord<SpecificRecord> r, String org, String framework, String control, ControlStatus s) {
        requireId("orgId", org);
        requireId("framework", framework);
        requireId("controlId", control);
        String[] args;
        if (s == null) {
            args = new String[]{control, String.valueOf(r.offset()), "t", "", "", ""};
        } else {
            if (!Ids.isRecordId(s.getRecordId())) throw new IllegalArgumentException("recordId is not a valid record id: '" + s.getRecordId() + "'");
            args = new String[]{control, String.valueOf(r.offset()), "v", String.valueOf(StatusOrder.rank(s.getObservedAt().toEpochMilli(), s.getStatus())),
                    s.getRecordId(), CacheJson.status(s)};
        }
        statuses.computeIfAbsent(org + "/" + framework, k -> new LinkedHashMap<>())
                .computeIfAbsent(control, k -> new ArrayList<>()).add(new Event(r, args));
    }

    private void addScore(SinkRecord<SpecificRecord> r, String org, String framework, ComplianceScore s) {
        requireId("orgId", org);
        requireId("framework", framework);
        String offset = String.valueOf(r.offset());
        String[] hashArgs = new String[3 + 2 * SCORE_FIELDS.size()];
        String[] boardArgs = new String[8];
        hashArgs[0] = offset;
        boardArgs[0] = org;
        boardArgs[1] = offset;
        if (s == null) {
            java.util.Arrays.fill(hashArgs, 1, hashArgs.length, "");
            hashArgs[1] = "t";
            java.util.Arrays.fill(boardArgs, 2, boardArgs.length, "");
            boardArgs[2] = "t";
        } else {
            String updatedAt = String.valueOf(s.getUpdatedAt().toEpochMilli());
            String score = CacheJson.number(s.getScore());
            String satisfied = CacheJson.number(s.getSatisfiedWeight());
            String applicable = CacheJson.number(s.getApplicableWeight());
            String iso = s.getUpdatedAt().toString();
            String[] values = {score, satisfied, applicable, iso, String.valueOf(s.getControlsSatisfied()),
                    String.valueOf(s.getControlsPartiallySatisfied()), String.valueOf(s.getControlsNotSatisfied()),
                    String.valueOf(s.getControlsNotApplicable()), String.valueOf(s.getControlsUnknown())};
            hashArgs[1] = "v";
            hashArgs[2] = updatedAt;
            for (int i = 0; i < values.length; i++) {
                hashArgs[3 + 2 * i] = SCORE_FIELDS.get(i);
                hashArgs[4 + 2 * i] = values[i];
            }
            boardArgs[2] = "v";
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
    private void calls(CacheScript script, String[] callKeys, String[] head, Map<String, List<Event>> byEntity) {
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

    private static ScriptCall call(CacheScript script, String[] keys, String[] head, List<Event> events) {
        int width = events.getFirst().args().length;
        String[] args = new String[head.length + width * events.size()];
        System.arraycopy(head, 0, args, 0, head.length);
        List<SinkRecord<SpecificRecord>> sources = new ArrayList<>(events.size());
        int at = head.length;
        for (Event e : events) {
            System.arraycopy(e.args(), 0, args, at, width);
            at += width;
            sources.add(e.source());
        }
        return new ScriptCall(script, keys, args, sources);
    }

    private static String[] statusKeys(CacheKeys keys, String slot) {
        String[] k = slot.split("/", 2);
        return new String[]{keys.status(k[0], k[1]), keys.statusMeta(k[0], k[1])};
    }

    private static String[] scoreKeys(CacheKeys keys, String slot) {
        String[] k = slot.split("/", 2);
        return new String[]{keys.score(k[0], k[1]), keys.scoreMeta(k[0], k[1])};
    }

    private static String ttl(java.time.Duration ttl) {
        return String.valueOf(ttl.toMillis());
    }

    private static String[] splitKey(SinkRecord<SpecificRecord> r, int parts) {
        String key = r.keyString();
        if (key == null) throw new IllegalArgumentException("tombstone without a key on " + r.topic());
        String[] k = key.split("/", -1);
        if (k.length != parts) throw new IllegalArgumentException("tombstone key '" + key + "' on " + r.topic() + " is not " + (parts == 3 ? "org/framework/control" : "org/framework"));
        return k;
    }

    private static void requireId(String what, String value) {
        if (!Ids.isId(value)) throw new IllegalArgumentException(what + " is not a valid id: '" + value + "'");
    }
}
