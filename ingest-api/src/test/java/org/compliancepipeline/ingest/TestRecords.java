package org.compliancepipeline.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Realistic record JSON for the tests: scanners, controls, statuses, Arabic and English text. */
final class TestRecords {
    private TestRecords() { }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] STATUSES = {"SATISFIED", "NOT_SATISFIED", "PARTIALLY_SATISFIED", "NOT_APPLICABLE", "UNKNOWN"};
    private static final String[] METHODS = {"AUTOMATED", "TEST", "EXAMINE", "INTERVIEW"};

    /** A complete record of org acme with the given recordId (null: none, the API assigns one). */
    static ObjectNode record(String recordId, int i) {
        ObjectNode o = JSON.createObjectNode();
        if (recordId != null) o.put("recordId", recordId);
        o.put("orgId", "acme");
        o.put("framework", IngestTestService.FRAMEWORK);
        o.put("controlId", "ac-" + (i % 25 + 1));
        o.put("objectiveId", "ac-" + (i % 25 + 1) + "_obj");
        o.put("status", STATUSES[i % STATUSES.length]);
        if (i % 3 == 0) o.put("score", (i * 7) % 101);
        o.put("observedAt", Instant.parse("2026-11-20T08:00:00Z").plusSeconds(i).toString());
        o.put("source", "scanner-" + (i % 4));
        o.put("method", METHODS[i % METHODS.length]);
        o.put("subject", "host-" + (i % 50) + ".acme.example");
        o.put("title", "Least privilege check " + i);
        o.put("description", i % 2 == 0 ? "Role permits high-risk actions on audit logs (" + i + ")" : "وصول المستخدم إلى وظائف الأمان غير مقيد " + i);
        o.putArray("evidenceUris").add("https://evidence.acme.example/runs/" + i);
        o.putObject("tags").put("env", i % 2 == 0 ? "prod" : "staging").put("team", "platform");
        return o;
    }

    static ObjectNode record(int i) {
        return record("it-" + UUID.randomUUID(), i);
    }

    static String array(List<ObjectNode> records) {
        return records.stream().map(ObjectNode::toString).collect(Collectors.joining(",", "[", "]"));
    }

    static List<ObjectNode> records(int n) {
        return IntStream.range(0, n).mapToObj(TestRecords::record).toList();
    }
}
