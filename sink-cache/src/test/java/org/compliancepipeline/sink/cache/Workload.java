package org.compliancepipeline.sink.cache;

import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.AvroSerdes;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceScore;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.ControlContext;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.EnrichmentFlag;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.schemas.StatusOrder;
import org.compliancepipeline.schemas.OrganizationContext;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What the stream processor writes to the three topics sink-cache reads, and what Redis must hold
 * after it: several versions of every control status and score (with observedAt ties broken by
 * recordId), the enriched record of every status version, tombstones for some keys, and some of
 * those keys re-created afterwards with an observation older than the deleted one.
 *
 * <p>Three phases, as a compacted changelog orders them per key: values, then tombstones, then
 * re-creations. {@link #ordered()} gives each phase in time order; {@link #shuffled(long, double)}
 * shuffles each phase and duplicates part of it.
 */
final class Workload {
    static final List<String> FRAMEWORKS = List.of("nist-800-53-r5", "iso-27001");
    static final Instant T0 = Instant.parse("2026-11-20T08:00:00Z");

    /** One Kafka message: topic role, key, value ({@code null}: tombstone) and the time it is ordered by. */
    record Message(Role role, String key, SpecificRecord value, long orderedBy) {
        byte[] bytes(String topic) {
            return switch (value) {
                case null -> null;
                case EnrichedRecord e -> AvroSerdes.ENRICHED_RECORD.serialize(topic, e);
                case ControlStatus s -> AvroSerdes.CONTROL_STATUS.serialize(topic, s);
                case ComplianceScore s -> AvroSerdes.COMPLIANCE_SCORE.serialize(topic, s);
                default -> throw new IllegalStateException(value.getClass().getName());
            };
        }
    }

    enum Role { ENRICHED, CONTROL_STATUS, SCORES }

    final List<Message> values = new ArrayList<>();
    final List<Message> tombstones = new ArrayList<>();
    final List<Message> recreations = new ArrayList<>();

    /** Expected final state per key (absent = deleted). */
    final Map<String, ControlStatus> statuses = new TreeMap<>();
    final Map<String, ComplianceScore> scores = new TreeMap<>();
    final List<EnrichedRecord> records = new ArrayList<>();

    Workload(long seed, int orgs, int controls, int maxVersions, Instant ingestedAt) {
        Random random = new Random(seed);
        for (int o = 0; o < orgs; o++) {
            String org = "org-" + o;
            for (String fw : FRAMEWORKS) {
                for (int c = 1; c <= controls; c++) {
                    String control = "ac-" + c;
                    String key = Keys.controlStatus(org, fw, control);
                    ControlStatus newest = null;
                    int versions = 1 + random.nextInt(maxVersions);
                    for (int v = 0; v < versions; v++) {
                        // Few distinct instants per key: observedAt ties happen and recordId decides.
                        Instant observedAt = T0.plusSeconds(60L * random.nextInt(3 * maxVersions));
                        // Unique per key, in random order relative to the versions: the tie-break is exercised.
                        String recordId = "r-" + org + "-" + fw + "-" + control + "-" + random.nextInt(1000) + "." + v;
                        ControlStatus s = status(org, fw, control, observedAt, recordId, random);
                        values.add(new Message(Role.CONTROL_STATUS, key, s, observedAt.toEpochMilli()));
                        EnrichedRecord e = enriched(s, ingestedAt.minusMillis(random.nextInt(60_000)), random);
                        values.add(new Message(Role.ENRICHED, org, e, observedAt.toEpochMilli()));
                        records.add(e);
                        if (newest == null || compare(s, newest) > 0) newest = s;
                    }
                    statuses.put(key, newest);
                }
                String scoreKey = Keys.score(org, fw);
                int versions = 2 + random.nextInt(4);
                for (int v = 0; v < versions; v++) {
                    Instant updatedAt = T0.plusSeconds(3600 + 60L * v);
                    ComplianceScore s = score(org, fw, updatedAt, random);
                    values.add(new Message(Role.SCORES, scoreKey, s, updatedAt.toEpochMilli()));
                    scores.put(scoreKey, s);
                }
            }
        }
        // Tombstones for about 15% of the statuses and one score; a third of the deleted statuses and the
        // score come back with observations older than anything deleted (a new life after the deletion).
        List<String> statusKeys = new ArrayList<>(statuses.keySet());
        Collections.shuffle(statusKeys, random);
        List<String> deleted = statusKeys.subList(0, Math.max(3, statusKeys.size() * 15 / 100));
        for (int i = 0; i < deleted.size(); i++) {
            String key = deleted.get(i);
            tombstones.add(new Message(Role.CONTROL_STATUS, key, null, 0));
            statuses.put(key, null);
            if (i % 3 == 0) {
                String[] k = key.split("/");
                ControlStatus back = status(k[0], k[1], k[2], T0.minus(Duration.ofDays(1)), "r-back-" + i, random);
                recreations.add(new Message(Role.CONTROL_STATUS, key, back, back.getObservedAt().toEpochMilli()));
                statuses.put(key, back);
            }
        }
        String deletedScore = Keys.score("org-0", FRAMEWORKS.get(1));
        tombstones.add(new Message(Role.SCORES, deletedScore, null, 0));
        ComplianceScore back = score("org-0", FRAMEWORKS.get(1), T0.minus(Duration.ofDays(1)), random);
        recreations.add(new Message(Role.SCORES, deletedScore, back, back.getUpdatedAt().toEpochMilli()));
        scores.put(deletedScore, back);
        String goneScore = Keys.score("org-1", FRAMEWORKS.get(0));
        tombstones.add(new Message(Role.SCORES, goneScore, null, 0));
        scores.put(goneScore, null);
    }

    /** Every phase in time order: the input a perfectly ordered stream would give. */
    List<List<Message>> ordered() {
        Comparator<Message> byTime = Comparator.comparingLong(Message::orderedBy);
        return List.of(values.stream().sorted(byTime).toList(), tombstones, recreations.stream().sorted(byTime).toList());
    }

    /** Every phase shuffled, with a share of its messages sent twice. */
    List<List<Message>> shuffled(long seed, double duplicates) {
        Random random = new Random(seed);
        List<List<Message>> phases = new ArrayList<>();
        for (List<Message> phase : List.of(values, tombstones, recreations)) {
            List<Message> out = new ArrayList<>(phase);
            for (Message m : phase) if (random.nextDouble() < duplicates) out.add(m);
            Collections.shuffle(out, random);
            phases.add(out);
        }
        return phases;
    }

    int messageCount(List<List<Message>> phases) {
        return phases.stream().mapToInt(List::size).sum();
    }

    /** The reader-facing state Redis must hold, in {@link RedisState#state} form. */
    Map<String, Object> expectedState() {
        Map<String, Object> out = new TreeMap<>();
        statuses.forEach((key, s) -> {
            if (s == null) return;
            @SuppressWarnings("unchecked")
            Map<String, String> hash = (Map<String, String>) out.computeIfAbsent("{" + s.getOrgId() + "/" + s.getFramework() + "}:status", k -> new TreeMap<>());
            hash.put(s.getControlId(), CacheJson.status(s));
        });
        Map<String, Map<String, Double>> boards = new HashMap<>();
        scores.forEach((key, s) -> {
            if (s == null) return;
            out.put("{" + s.getOrgId() + "/" + s.getFramework() + "}:score", scoreHash(s));
            boards.computeIfAbsent(s.getFramework(), f -> new HashMap<>()).put(s.getOrgId(), s.getScore());
        });
        boards.forEach((fw, board) -> out.put("lb:{" + fw + "}", board.entrySet().stream()
                .sorted(Map.Entry.<String, Double>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .map(e -> e.getKey() + "=" + e.getValue()).toList()));
        for (EnrichedRecord e : records) out.put("rec:{" + e.getRecord().getRecordId() + "}", CacheJson.record(e));
        return out;
    }

    static Map<String, String> scoreHash(ComplianceScore s) {
        Map<String, String> h = new TreeMap<>();
        h.put("score", CacheJson.number(s.getScore()));
        h.put("satisfied", CacheJson.number(s.getSatisfiedWeight()));
        h.put("applicable", CacheJson.number(s.getApplicableWeight()));
        h.put("updatedAt", s.getUpdatedAt().toString());
        h.put("controlsSatisfied", String.valueOf(s.getControlsSatisfied()));
        h.put("controlsPartiallySatisfied", String.valueOf(s.getControlsPartiallySatisfied()));
        h.put("controlsNotSatisfied", String.valueOf(s.getControlsNotSatisfied()));
        h.put("controlsNotApplicable", String.valueOf(s.getControlsNotApplicable()));
        h.put("controlsUnknown", String.valueOf(s.getControlsUnknown()));
        return h;
    }

    static int compare(ControlStatus a, ControlStatus b) {
        return StatusOrder.compare(a.getObservedAt().toEpochMilli(), a.getStatus(), a.getRecordId(),
                b.getObservedAt().toEpochMilli(), b.getStatus(), b.getRecordId());
    }

    static ControlStatus status(String org, String fw, String control, Instant observedAt, String recordId, Random random) {
        return ControlStatus.newBuilder().setOrgId(org).setFramework(fw).setControlId(control)
                .setStatus(ComplianceStatus.values()[random.nextInt(ComplianceStatus.values().length)])
                .setObservedAt(observedAt).setRecordId(recordId).setScore(random.nextBoolean() ? null : (double) random.nextInt(101))
                .setFamily("ac").setWeight(1 + random.nextInt(3)).setUpdatedAt(observedAt.plusSeconds(5)).build();
    }

    static ComplianceScore score(String org, String fw, Instant updatedAt, Random random) {
        int satisfied = random.nextInt(30);
        int applicable = satisfied + 1 + random.nextInt(30);
        return ComplianceScore.newBuilder().setOrgId(org).setFramework(fw)
                .setScore(100.0 * satisfied / applicable).setSatisfiedWeight(satisfied).setApplicableWeight(applicable)
                .setControlsSatisfied(satisfied).setControlsNotSatisfied(applicable - satisfied).setControlsUnknown(random.nextInt(3))
                .setUpdatedAt(updatedAt).build();
    }

    static EnrichedRecord enriched(ControlStatus s, Instant ingestedAt, Random random) {
        ComplianceRecord r = ComplianceRecord.newBuilder()
                .setRecordId(s.getRecordId()).setOrgId(s.getOrgId()).setFramework(s.getFramework()).setControlId(s.getControlId())
                .setStatus(s.getStatus()).setScore(s.getScore()).setObservedAt(s.getObservedAt()).setSource("scanner-" + random.nextInt(3))
                .setMethod(AssessmentMethod.values()[random.nextInt(AssessmentMethod.values().length)])
                .setSubject(random.nextBoolean() ? "host-" + random.nextInt(100) + ".example" : null)
                .setTitle("Access review \"quoted\" \\ " + s.getControlId())
                .setDescription(random.nextInt(4) == 0 ? "وصول المستخدم\nline two\t{\"json\": true}" : null)
                .setEvidenceUris(List.of("https://evidence.example/" + s.getRecordId()))
                .setTags(new LinkedHashMap<>(Map.of("env", "prod", "team", "sec-" + random.nextInt(4), "quote\"key", "v\\t")))
                .build();
        boolean unknownControl = random.nextInt(20) == 0;
        return EnrichedRecord.newBuilder().setRecord(r)
                .setControl(unknownControl ? null : ControlContext.newBuilder().setTitle("Account management " + s.getControlId())
                        .setFamily("ac").setFamilyTitle("Access Control").setBaselines(List.of("LOW", "MODERATE")).setWeight(s.getWeight()).build())
                .setOrganization(OrganizationContext.newBuilder().setName("Org " + s.getOrgId()).setSector("finance").setRegion(null).build())
                .setFlags(unknownControl ? List.of(EnrichmentFlag.UNKNOWN_CONTROL) : List.of())
                .setIngestedAt(ingestedAt).setEnrichedAt(ingestedAt.plusMillis(150))
                .build();
    }
}
