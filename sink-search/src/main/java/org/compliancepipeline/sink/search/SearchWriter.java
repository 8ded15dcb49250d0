package org.compliancepipeline.sink.search;

import co.elastic.clients.transport.rest5_client.low_level.ResponseException;
import com.fasterxml.jackson.core.JsonFactory;
import org.apache.avro.specific.SpecificRecord;
import org.compliancepipeline.schemas.ControlStatus;
import org.compliancepipeline.schemas.EnrichedRecord;
import org.compliancepipeline.schemas.Keys;
import org.compliancepipeline.sink.runtime.FailureKind;
import org.compliancepipeline.sink.runtime.SinkRecord;
import org.compliancepipeline.sink.runtime.SinkWriter;
import org.compliancepipeline.sink.runtime.WriteResult;
import org.compliancepipeline.sink.search.BulkIndexer.ItemResult;
import org.compliancepipeline.sink.search.SearchIndices.IndexSetupException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stores one batch of the runtime in bulk requests and reports what happened to each record:
 *
 * <ul>
 *   <li>enriched record: {@code create} in its monthly index, {@code _id} = recordId; 409 (stored
 *       before: a replay) is success;</li>
 *   <li>control status: {@code index} into the status index, {@code _id} = org/framework/control,
 *       external version from observedAt and severity; 409 (older or the same) is success; only the
 *       last status of a key in a batch is sent (the rest is superseded, in offset order);</li>
 *   <li>tombstone on the status topic: {@code delete}; 404 is success;</li>
 *   <li>429, 5xx, 408, 403 (blocks) items: retryable, the runtime retries exactly those with
 *       backoff; other 4xx items (mapping and parse errors): poison, dead-lettered with the reason.</li>
 * </ul>
 * A whole request refused as malformed (400) or too large (413) is thrown as poison, so the runtime
 * splits the batch down to the record; connection trouble is thrown as retryable when it hit every
 * request, else reported per item.
 */
final class SearchWriter implements SinkWriter<SpecificRecord> {
    /** Elasticsearch refuses longer ids (the whole bulk request, not the item). */
    private static final int MAX_ID_BYTES = 512;

    private final SearchIndices indices;
    private final BulkIndexer bulk;
    private final SearchMetrics metrics;
    private final String statusTopic;
    private final JsonFactory json;
    private SearchDocuments documents;

    SearchWriter(SearchIndices indices, BulkIndexer bulk, SearchMetrics metrics, String statusTopic, JsonFactory json) {
        this.indices = indices;
        this.bulk = bulk;
        this.metrics = metrics;
        this.statusTopic = statusTopic;
        this.json = json;
        this.documents = new SearchDocuments(json);
    }

    private enum Op { CREATE_RECORD, INDEX_STATUS, DELETE_STATUS }

    private record Action(SinkRecord<SpecificRecord> record, Op op, String index, String id) { }

    @Override
    public WriteResult<SpecificRecord> write(List<SinkRecord<SpecificRecord>> records) throws Exception {
        indices.ensureReady();
        List<WriteResult.Failure<SpecificRecord>> failures = new ArrayList<>();
        List<Action> actions = plan(records, failures);
        Set<String> monthly = new LinkedHashSet<>();
        for (Action a : actions) if (a.op == Op.CREATE_RECORD) monthly.add(a.index);
        for (String index : monthly) indices.ensureRecordsIndex(index);

        BulkIndexer.Session session = bulk.session();
        List<Action> sent = new ArrayList<>(actions.size());
        for (Action a : actions) {
            try {
                switch (a.op) {
                    case CREATE_RECORD -> documents.createRecord(a.index, (EnrichedRecord) a.record.value());
                    case INDEX_STATUS -> documents.indexStatus(a.index, a.id, (ControlStatus) a.record.value());
                    case DELETE_STATUS -> documents.deleteStatus(a.index, a.id);
                }
            } catch (IOException | RuntimeException e) {
                // A value JSON cannot carry (e.g. a broken surrogate pair): the record's fault. The
                // generator may be mid-document, so the next record starts on a fresh one.
                documents = new SearchDocuments(json);
                failures.add(new WriteResult.Failure<>(a.record, FailureKind.POISON,
                        new IllegalArgumentException("cannot write the document as JSON: " + e.getMessage(), e)));
                continue;
            }
            session.add(documents.buffer().array(), 0, documents.buffer().size());
            sent.add(a);
        }
        List<ItemResult> results = session.finish();
        return outcome(sent, results, failures);
    }

    /** Which action each record needs; records that need none (superseded, nothing to delete) are simply done. */
    private List<Action> plan(List<SinkRecord<SpecificRecord>> records, List<WriteResult.Failure<SpecificRecord>> failures) {
        Map<String, Integer> lastOfKey = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            String key = statusKey(records.get(i));
            if (key != null) lastOfKey.put(key, i);
        }
        List<Action> actions = new ArrayList<>(records.size());
        int superseded = 0;
        for (int i = 0; i < records.size(); i++) {
            SinkRecord<SpecificRecord> r = records.get(i);
            switch (r.value()) {
                case EnrichedRecord e -> {
                    String id = e.getRecord().getRecordId();
                    if (id.getBytes(StandardCharsets.UTF_8).length > MAX_ID_BYTES) {
                        failures.add(new WriteResult.Failure<>(r, FailureKind.POISON,
                                new IllegalArgumentException("recordId is longer than Elasticsearch's " + MAX_ID_BYTES + "-byte _id limit")));
                    } else {
                        actions.add(new Action(r, Op.CREATE_RECORD, indices.recordsIndex(e.getRecord().getObservedAt()), id));
                    }
                }
                case ControlStatus s -> {
                    String key = statusKey(r);
                    if (lastOfKey.get(key) != i) {
                        superseded++;
                    } else if (s.getObservedAt().toEpochMilli() < 0) {
                        failures.add(new WriteResult.Failure<>(r, FailureKind.POISON,
                                new IllegalArgumentException("observedAt " + s.getObservedAt() + " is before 1970: no external version for it")));
                    } else {
                        actions.add(new Action(r, Op.INDEX_STATUS, indices.statusIndex(), key));
                    }
                }
                case null -> {
                    String key = statusKey(r);
                    if (key != null && lastOfKey.get(key) == i) actions.add(new Action(r, Op.DELETE_STATUS, indices.statusIndex(), key));
                    else superseded++; // a tombstone elsewhere, or followed by a newer status of its key: nothing to do
                }
                default -> failures.add(new WriteResult.Failure<>(r, FailureKind.POISON,
                        new IllegalArgumentException("unexpected record type " + r.value().getClass().getName() + " on " + r.topic())));
            }
        }
        metrics.items("superseded", superseded);
        return actions;
    }

    /** org/framework/control for a status or a tombstone on the status topic, else null. */
    private String statusKey(SinkRecord<SpecificRecord> r) {
        if (r.value() instanceof ControlStatus s) {
            return Keys.controlStatus(s.getOrgId(), s.getFramework(), s.getControlId());
        }
        if (r.value() == null && statusTopic.equals(r.topic())) {
            String key = r.keyString();
            return key != null && key.split("/", -1).length == 3 && key.getBytes(StandardCharsets.UTF_8).length <= MAX_ID_BYTES ? key : null;
        }
        return null;
    }

    private WriteResult<SpecificRecord> outcome(List<Action> sent, List<ItemResult> results,
                                                List<WriteResult.Failure<SpecificRecord>> failures) throws Exception {
        int stored = 0, alreadyStored = 0, deleted = 0, retryable = 0, requestFailed = 0;
        Exception firstRequestFailure = null;
        for (int k = 0; k < sent.size(); k++) {
            Action a = sent.get(k);
            ItemResult r = results.get(k);
            if (r.requestFailure() != null) {
                Exception e = r.requestFailure();
                // A request refused as a whole for its content: let the runtime split the batch to the record.
                if (classify(e) == FailureKind.POISON) throw e;
                if (firstRequestFailure == null) firstRequestFailure = e;
                requestFailed++;
                failures.add(new WriteResult.Failure<>(a.record, FailureKind.RETRYABLE, e));
                continue;
            }
            int status = r.status();
            if (r.ok()) {
                if (a.op == Op.DELETE_STATUS) deleted++;
                else stored++;
            } else if (status == 409) {
                alreadyStored++;
            } else if (status == 404 && a.op == Op.DELETE_STATUS) {
                deleted++;
            } else {
                boolean missingIndex = status == 404 && "index_not_found_exception".equals(r.errorType());
                if (missingIndex) indices.forget(a.index);
                FailureKind kind = missingIndex || retryableStatus(status) ? FailureKind.RETRYABLE : FailureKind.POISON;
                if (kind == FailureKind.RETRYABLE) retryable++;
                failures.add(new WriteResult.Failure<>(a.record, kind, new BulkItemException(a.index, a.id, status, r.errorType(), r.reason())));
            }
        }
        if (requestFailed > 0 && requestFailed == sent.size() && failures.size() == requestFailed) {
            // Nothing got through (the cluster is unreachable or overloaded): the batch as a whole is retried.
            throw firstRequestFailure;
        }
        metrics.items("stored", stored);
        metrics.items("already_stored", alreadyStored);
        metrics.items("deleted", deleted);
        metrics.items("retryable", retryable + requestFailed);
        metrics.items("poison", failures.size() - retryable - requestFailed);
        return failures.isEmpty() ? WriteResult.complete() : WriteResult.withFailures(failures);
    }

    /** Busy (429), server-side trouble (5xx), timeouts (408) and blocks (403: read-only index, flood-stage disk) pass. */
    static boolean retryableStatus(int status) {
        return status == 429 || status >= 500 || status == 408 || status == 403;
    }

    /**
     * A request refused for what it carries (400 malformed, 413 too large) is poison, so the runtime
     * isolates the record; an index that cannot be set up, connection trouble and every other status
     * are the store's.
     */
    @Override
    public FailureKind classify(Throwable error) {
        if (error instanceof IndexSetupException) return FailureKind.RETRYABLE;
        if (error instanceof ResponseException re) {
            int status = re.getResponse().getStatusCode();
            return status == 400 || status == 413 ? FailureKind.POISON : FailureKind.RETRYABLE;
        }
        if (error instanceof BulkItemException item) return retryableStatus(item.status()) ? FailureKind.RETRYABLE : FailureKind.POISON;
        if (error instanceof IllegalArgumentException || error instanceof ClassCastException) return FailureKind.POISON;
        return FailureKind.RETRYABLE;
    }
}
