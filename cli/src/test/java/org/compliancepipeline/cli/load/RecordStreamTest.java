package org.compliancepipeline.cli.load;

import org.compliancepipeline.schemas.ComplianceRecord;
import org.compliancepipeline.schemas.ComplianceStatus;
import org.compliancepipeline.schemas.json.ComplianceRecordJson;
import org.compliancepipeline.schemas.json.MappingResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The generator's distributions: skew, shares, drift, and the same stream for the same seed. */
class RecordStreamTest {
    static final List<String> ORGS = IntStream.rangeClosed(1, 20).mapToObj(i -> "org-" + i).toList();
    static final List<String> CONTROLS = IntStream.rangeClosed(1, 50).mapToObj(i -> "ac-" + i).toList();
    static final int N = 200_000;
    static final long T0 = 1_790_000_000_000L;

    static RecordStream.Options options(double zipf, double dup, double late, double invalid, long seed) {
        return new RecordStream.Options(ORGS, "nist-800-53-r5", CONTROLS, zipf, 0.05, dup, late, invalid, seed, "t");
    }

    static List<RecordStream.Generated> generate(RecordStream.Options o, int n) {
        RecordStream s = new RecordStream(o);
        List<RecordStream.Generated> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(s.next(T0 + i)); // one record per millisecond
        return out;
    }

    @Test
    void organisationsFollowZipfWithTheGivenExponent() {
        double s = 1.1;
        Map<String, Integer> perOrg = new HashMap<>();
        for (var g : generate(options(s, 0, 0, 0, 1), N)) perOrg.merge(g.record().getOrgId(), 1, Integer::sum);

        double h = 0;
        for (int k = 1; k <= ORGS.size(); k++) h += 1 / Math.pow(k, s);
        for (int k : new int[]{1, 2, 5, 20}) {
            double expected = 1 / Math.pow(k, s) / h;
            assertThat(perOrg.getOrDefault("org-" + k, 0) / (double) N).as("share of rank %d", k).isCloseTo(expected, within(0.01));
        }
        // rank 1 reports far more than the last rank
        assertThat(perOrg.get("org-1")).isGreaterThan(20 * perOrg.get("org-20"));
    }

    @Test
    void exponentZeroIsUniform() {
        Map<String, Integer> perOrg = new HashMap<>();
        for (var g : generate(options(0, 0, 0, 0, 2), N)) perOrg.merge(g.record().getOrgId(), 1, Integer::sum);
        assertThat(perOrg).hasSize(ORGS.size());
        perOrg.values().forEach(n -> assertThat(n / (double) N).isCloseTo(1.0 / ORGS.size(), within(0.005)));
    }

    @Test
    void duplicateLateAndInvalidSharesHoldWithinTolerance() {
        List<RecordStream.Generated> records = generate(options(1.1, 0.05, 0.03, 0.02, 3), N);
        Map<RecordStream.Kind, Integer> kinds = new EnumMap<>(RecordStream.Kind.class);
        records.forEach(g -> kinds.merge(g.kind(), 1, Integer::sum));

        assertThat(kinds.get(RecordStream.Kind.DUPLICATE) / (double) N).isCloseTo(0.05, within(0.003));
        assertThat(kinds.get(RecordStream.Kind.LATE) / (double) N).isCloseTo(0.03, within(0.003));
        assertThat(kinds.get(RecordStream.Kind.INVALID) / (double) N).isCloseTo(0.02, within(0.003));
    }

    @Test
    void aDuplicateIsAnEarlierRecordSentAgainUnchanged() {
        Map<String, String> seen = new HashMap<>(); // recordId -> the record as JSON when first sent
        int duplicates = 0;
        for (var g : generate(options(1.1, 0.1, 0.05, 0.02, 4), 20_000)) {
            if (g.kind() == RecordStream.Kind.DUPLICATE) {
                assertThat(seen).containsKey(g.recordId());
                assertThat(ComplianceRecordJson.toJsonString(g.record())).isEqualTo(seen.get(g.recordId()));
                duplicates++;
            } else {
                assertThat(seen).doesNotContainKey(g.recordId()); // every other record has a new id
                seen.put(g.recordId(), ComplianceRecordJson.toJsonString(g.record()));
            }
        }
        assertThat(duplicates).isGreaterThan(1500);
    }

    @Test
    void aLateRecordIsOlderThanTheControlsCurrentStatus() {
        Map<String, Long> latest = new HashMap<>();
        int late = 0;
        for (var g : generate(options(1.1, 0, 0.1, 0, 5), 20_000)) {
            ComplianceRecord r = g.record();
            String key = r.getOrgId() + "/" + r.getControlId();
            long at = r.getObservedAt().toEpochMilli();
            switch (g.kind()) {
                case FRESH -> {
                    if (latest.containsKey(key)) assertThat(at).isGreaterThan(latest.get(key));
                    latest.put(key, at);
                }
                case LATE -> {
                    assertThat(latest).containsKey(key);
                    assertThat(at).isLessThan(latest.get(key));
                    late++;
                }
                default -> { }
            }
        }
        assertThat(late).isGreaterThan(1500);
    }

    @Test
    void everyInvalidRecordFailsTheApisValidationAndEveryOtherPassesIt() {
        Set<RecordStream.Defect> defects = new HashSet<>();
        for (var g : generate(options(1.1, 0.02, 0.02, 0.05, 6), 10_000)) {
            String json = ComplianceRecordJson.toJsonString(g.record());
            MappingResult<ComplianceRecord> parsed = ComplianceRecordJson.parse(json, () -> "unused");
            if (g.kind() == RecordStream.Kind.INVALID) {
                defects.add(g.defect());
                boolean futureOnly = g.defect() == RecordStream.Defect.OBSERVED_IN_FUTURE; // the API checks the clock, not the mapping
                if (futureOnly) assertThat(g.record().getObservedAt().toEpochMilli()).isGreaterThan(T0 + 10_000 + 3_600_000);
                else assertThat(parsed).as(json).isInstanceOf(MappingResult.Invalid.class);
            } else {
                assertThat(parsed).as(json).isInstanceOf(MappingResult.Valid.class);
            }
        }
        assertThat(defects).containsExactlyInAnyOrder(RecordStream.Defect.values());
    }

    @Test
    void inAReplayedHistoryAFutureObservedAtIsStillAheadOfTheRealClock() {
        long wall = T0 + 7 * 86_400_000L; // the stream's time is a week behind the real clock
        RecordStream s = new RecordStream(options(1.1, 0, 0, 1.0, 8));
        int future = 0;
        for (int i = 0; i < 3000; i++) {
            var g = s.next(T0 + i, wall);
            if (g.defect() == RecordStream.Defect.OBSERVED_IN_FUTURE) {
                assertThat(g.record().getObservedAt().toEpochMilli()).isGreaterThan(wall + 3_600_000);
                future++;
            }
        }
        assertThat(future).isGreaterThan(800);
    }

    @Test
    void statusesDriftWithTheChangeProbability() {
        // re-assessments of a control keep its status except with the change probability (0.05)
        Map<String, ComplianceStatus> current = new HashMap<>();
        int reassessed = 0, changed = 0;
        for (var g : generate(options(0, 0, 0, 0, 7), N)) {
            String key = g.record().getOrgId() + "/" + g.record().getControlId();
            ComplianceStatus previous = current.put(key, g.record().getStatus());
            if (previous != null) {
                reassessed++;
                if (previous != g.record().getStatus()) changed++;
            }
        }
        assertThat(changed / (double) reassessed).isCloseTo(0.05, within(0.005));
    }

    @Test
    void theSameSeedGivesTheSameStreamAndAnotherSeedAnother() {
        var a = generate(options(1.1, 0.02, 0.02, 0.01, 42), 5_000);
        var b = generate(options(1.1, 0.02, 0.02, 0.01, 42), 5_000);
        var c = generate(options(1.1, 0.02, 0.02, 0.01, 43), 5_000);
        assertThat(a).isEqualTo(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> options(-1, 0, 0, 0, 1)).hasMessageContaining("zipf exponent");
        assertThatThrownBy(() -> options(1, 1.5, 0, 0, 1)).hasMessageContaining("duplicate share");
        assertThatThrownBy(() -> options(1, 0.5, 0.4, 0.2, 1)).hasMessageContaining("at most 1");
        assertThatThrownBy(() -> new RecordStream.Options(List.of(), "f", CONTROLS, 1, 0, 0, 0, 0, 1, "t"))
                .hasMessageContaining("no organisations");
    }
}
