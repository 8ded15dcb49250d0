package org.compliancepipeline.cli.load;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The end of a load run, for people (text) and for scripts (JSON). */
public record LoadReport(String target, LoadRun.Result result, List<LatencyWatcher.StoreLatency> latency, Map<String, String> storeErrors) {

    public void print(PrintWriter out) {
        LoadRun.Counters c = result.counters();
        out.printf(Locale.ROOT, "sent %d records in %.1f s: %.0f records/s achieved (target %.0f), %d requests, %d retries%n",
                c.generated.sum(), result.seconds(), result.achievedRate(), result.offeredRate(), c.requests.sum(), c.retries.sum());
        out.printf(Locale.ROOT, "accepted %d, rejected %d (%d of the %d invalid records%s), failed %d%n",
                c.accepted.sum(), c.rejected.sum(), c.invalidRejected.sum(), c.invalid.sum(),
                c.validRejected.sum() > 0 ? ", and " + c.validRejected.sum() + " VALID records" : "", c.failed.sum());
        out.printf(Locale.ROOT, "duplicates sent %d, late records sent %d%s%n", c.duplicates.sum(), c.late.sum(),
                "kafka".equals(target) ? "; Kafka takes invalid records too: the stream processor dead-letters them" : "");
        for (LatencyWatcher.StoreLatency l : latency) {
            if (l.seen() == 0) {
                out.printf(Locale.ROOT, "latency to %-13s: none of %d sampled records seen%n", l.store(), l.samples());
            } else {
                out.printf(Locale.ROOT, "latency to %-13s: p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d of %d sampled records seen)%n",
                        "all".equals(l.store()) ? "all stores" : l.store(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.seen(), l.samples());
            }
        }
        storeErrors.forEach((store, error) -> out.printf("%s: last poll failed: %s%n", store, error));
        out.flush();
    }

    public ObjectNode toJson() {
        LoadRun.Counters c = result.counters();
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("target", target);
        o.put("seconds", round(result.seconds()));
        o.put("offered_rate", round(result.offeredRate()));
        o.put("achieved_rate", round(result.achievedRate()));
        o.put("sent", c.generated.sum());
        o.put("accepted", c.accepted.sum());
        o.put("rejected", c.rejected.sum());
        o.put("rejected_invalid", c.invalidRejected.sum());
        o.put("rejected_valid", c.validRejected.sum());
        o.put("failed", c.failed.sum());
        o.put("invalid", c.invalid.sum());
        o.put("duplicates", c.duplicates.sum());
        o.put("late", c.late.sum());
        o.put("requests", c.requests.sum());
        o.put("retries", c.retries.sum());
        ObjectNode lat = o.putObject("latency_ms");
        for (LatencyWatcher.StoreLatency l : latency) {
            ObjectNode s = lat.putObject(l.store());
            s.put("samples", l.samples());
            s.put("seen", l.seen());
            s.put("missing", l.missing());
            if (l.seen() > 0) {
                s.put("p50", round(l.p50Ms()));
                s.put("p99", round(l.p99Ms()));
                s.put("max", round(l.maxMs()));
            }
        }
        return o;
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
