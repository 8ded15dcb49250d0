package org.compliancepipeline.cli.load;

import org.apache.commons.rng.UniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.RejectionInversionZipfSampler;
import org.apache.commons.rng.sampling.distribution.SharedStateDiscreteSampler;
import org.apache.commons.rng.simple.RandomSource;
import org.compliancepipeline.schemas.AssessmentMethod;
import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A realistic stream of compliance records: organisations x controls x statuses that drift over time.
 *
 * <ul>
 *   <li>organisations are drawn Zipf-skewed by their rank in the list (a few report most);</li>
 *   <li>controls uniformly from the catalog; each (org, control) keeps its current status, which a
 *       re-assessment changes only with {@code changeProbability}, towards compliance more often than not;</li>
 *   <li>a share of exact duplicates (a recent record sent again, same recordId and content);</li>
 *   <li>a share of late records: a control's assessment older than its current status;</li>
 *   <li>a share of invalid records (score out of range, observedAt a day ahead, a malformed controlId), each
 *       of which the ingest API rejects alone and the stream processor dead-letters.</li>
 * </ul>
 * Deterministic for a seed and a sequence of clock readings. Not thread-safe: one generator per sender loop.
 */
public final class RecordStream {
    /** What a generated record is meant to be. */
    public enum Kind { FRESH, DUPLICATE, LATE, INVALID }

    /** The defects of invalid records; every one is representable in Avro, so it reaches the stream processor too. */
    public enum Defect { SCORE_OUT_OF_RANGE, OBSERVED_IN_FUTURE, MALFORMED_CONTROL_ID }

    /** One generated record; {@code defect} is set for {@link Kind#INVALID} only. */
    public record Generated(Kind kind, ComplianceRecord record, Defect defect) {
        public String recordId() {
            return record.getRecordId();
        }
    }

    /**
     * @param orgs              organisation ids, most active first (rank 1 gets the most records)
     * @param controls          control ids of {@code framework}
     * @param zipfExponent      skew of the organisations (0 = uniform; 1.1 typical)
     * @param changeProbability chance that a re-assessment changes the control's status
     * @param duplicateShare    share of exact duplicates
     * @param lateShare         share of late records
     * @param invalidShare      share of invalid records
     */
    public record Options(List<String> orgs, String framework, List<String> controls, double zipfExponent,
                          double changeProbability, double duplicateShare, double lateShare, double invalidShare,
                          long seed, String runId) {
        public Options {
            orgs = List.copyOf(orgs);
            controls = List.copyOf(controls);
            if (orgs.isEmpty()) throw new IllegalArgumentException("no organisations to generate records for");
            if (controls.isEmpty()) throw new IllegalArgumentException("no controls to generate records for");
            if (!(zipfExponent >= 0)) throw new IllegalArgumentException("zipf exponent must be >= 0, got " + zipfExponent);
            share("change probability", changeProbability);
            share("duplicate share", duplicateShare);
            share("late share", lateShare);
            share("invalid share", invalidShare);
            if (duplicateShare + lateShare + invalidShare > 1) {
                throw new IllegalArgumentException("duplicate + late + invalid shares must be at most 1, got "
                        + (duplicateShare + lateShare + invalidShare));
            }
        }

        private static void share(String what, double v) {
            if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException(what + " must be within 0..1, got " + v);
        }
    }

    static final List<ComplianceStatus> STATUSES = List.of(ComplianceStatus.SATISFIED, ComplianceStatus.PARTIALLY_SATISFIED,
            ComplianceStatus.NOT_SATISFIED, ComplianceStatus.NOT_APPLICABLE);
    /** First assessment of a control, and where a change goes: compliance improves more often than it degrades. */
    private static final double[] STATUS_WEIGHTS = {0.55, 0.15, 0.25, 0.05};
    private static final String[] SOURCES = {"scanner-alpha", "grc-suite", "cloud-posture", "auditor-portal"};
    private static final AssessmentMethod[] METHODS = {AssessmentMethod.AUTOMATED, AssessmentMethod.TEST,
            AssessmentMethod.EXAMINE, AssessmentMethod.INTERVIEW};
    private static final int RECENT = 4096;
    private static final long MAX_LATENESS_MS = 3_600_000;

    private record ControlState(ComplianceStatus status, long observedAt) { }

    private final Options options;
    private final UniformRandomProvider random;
    private final SharedStateDiscreteSampler orgRank;
    private final Map<String, ControlState> state = new HashMap<>();
    private final List<String> assessed = new ArrayList<>();
    private final ComplianceRecord[] recent = new ComplianceRecord[RECENT];
    private int recentCount;
    private long sequence;

    public RecordStream(Options options) {
        this.options = options;
        this.random = RandomSource.XO_RO_SHI_RO_128_PP.create(options.seed());
        this.orgRank = RejectionInversionZipfSampler.of(random, options.orgs().size(), options.zipfExponent());
    }

    public Options options() {
        return options;
    }

    /** The next record, with {@code nowMillis} as the current time (observedAt of fresh records). */
    public Generated next(long nowMillis) {
        return next(nowMillis, nowMillis);
    }

    /**
     * The next record: {@code nowMillis} is the stream's time (observedAt of fresh records, in the past when a run
     * replays a history), {@code wallMillis} the real time, which an invalid "future" observedAt must be ahead of.
     */
    public Generated next(long nowMillis, long wallMillis) {
        double u = random.nextDouble();
        if (u < options.duplicateShare()) {
            if (recentCount > 0) return new Generated(Kind.DUPLICATE, recent[random.nextInt(Math.min(recentCount, RECENT))], null);
        } else if (u < options.duplicateShare() + options.lateShare()) {
            if (!assessed.isEmpty()) return late();
        } else if (u < options.duplicateShare() + options.lateShare() + options.invalidShare()) {
            return invalid(nowMillis, Math.max(nowMillis, wallMillis));
        }
        return fresh(nowMillis);
    }

    /** The next {@code n} records. */
    public List<Generated> next(int n, long nowMillis) {
        return next(n, nowMillis, nowMillis);
    }

    /** The next {@code n} records; see {@link #next(long, long)}. */
    public List<Generated> next(int n, long nowMillis, long wallMillis) {
        List<Generated> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++) batch.add(next(nowMillis, wallMillis));
        return batch;
    }

    private Generated fresh(long now) {
        String org = options.orgs().get(orgRank.sample() - 1);
        String control = options.controls().get(random.nextInt(options.controls().size()));
        String key = org + "/" + control;
        ControlState current = state.get(key);
        ComplianceStatus status;
        long observedAt;
        if (current == null) {
            status = pick(null);
            observedAt = now;
            assessed.add(key);
        } else {
            status = random.nextDouble() < options.changeProbability() ? pick(current.status()) : current.status();
            observedAt = Math.max(now, current.observedAt() + 1); // a re-assessment is newer than the last one
        }
        state.put(key, new ControlState(status, observedAt));
        ComplianceRecord r = record(org, control, status, observedAt);
        remember(r);
        return new Generated(Kind.FRESH, r, null);
    }

    private Generated late() {
        String key = assessed.get(random.nextInt(assessed.size()));
        ControlState current = state.get(key);
        int slash = key.indexOf('/');
        long observedAt = current.observedAt() - 1000 - random.nextLong(MAX_LATENESS_MS);
        ComplianceRecord r = record(key.substring(0, slash), key.substring(slash + 1), pick(null), observedAt);
        remember(r);
        return new Generated(Kind.LATE, r, null);
    }

    private Generated invalid(long now, long wall) {
        String org = options.orgs().get(orgRank.sample() - 1);
        String control = options.controls().get(random.nextInt(options.controls().size()));
        Defect defect = Defect.values()[random.nextInt(Defect.values().length)];
        ComplianceRecord r = record(org, control, pick(null), now);
        switch (defect) {
            case SCORE_OUT_OF_RANGE -> r.setScore(100 + 1 + random.nextInt(900) / 10.0);
            case OBSERVED_IN_FUTURE -> r.setObservedAt(Instant.ofEpochMilli(wall + 86_400_000L));
            case MALFORMED_CONTROL_ID -> r.setControlId(control + "/bad id");
        }
        return new Generated(Kind.INVALID, r, defect);
    }

    private ComplianceStatus pick(ComplianceStatus not) {
        double total = 0;
        for (int i = 0; i < STATUSES.size(); i++) if (STATUSES.get(i) != not) total += STATUS_WEIGHTS[i];
        double u = random.nextDouble() * total;
        for (int i = 0; i < STATUSES.size(); i++) {
            if (STATUSES.get(i) == not) continue;
            u -= STATUS_WEIGHTS[i];
            if (u < 0) return STATUSES.get(i);
        }
        return STATUSES.get(STATUSES.get(0) == not ? 1 : 0);
    }

    private ComplianceRecord record(String org, String control, ComplianceStatus status, long observedAt) {
        AssessmentMethod method = METHODS[random.nextInt(METHODS.length)];
        String words = status.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        return ComplianceRecord.newBuilder()
                .setRecordId("load-" + options.runId() + "-" + sequence++)
                .setOrgId(org).setFramework(options.framework()).setControlId(control)
                .setStatus(status).setObservedAt(Instant.ofEpochMilli(observedAt))
                .setSource(SOURCES[random.nextInt(SOURCES.length)]).setMethod(method)
                .setSubject("asset-" + (1 + random.nextInt(50)))
                .setTitle(method.name().toLowerCase(java.util.Locale.ROOT) + " assessment of " + control)
                .setDescription("Control " + control + " of " + org + " was found " + words + ".")
                .build();
    }

    private void remember(ComplianceRecord r) {
        recent[recentCount % RECENT] = r;
        recentCount++;
    }
}
