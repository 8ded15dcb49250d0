package org.compliancepipeline.sink.search;

/**
 * Elasticsearch refused one item of a bulk request. The message names the index, the document id,
 * the HTTP status and Elasticsearch's error type and reason (with its cause), which is what the
 * dead-letter record carries in {@code dlq.reason}.
 */
public final class BulkItemException extends Exception {
    private final int status;
    private final String errorType;

    BulkItemException(String index, String id, int status, String errorType, String reason) {
        super(status + " " + errorType + " for _id [" + id + "] in [" + index + "]: " + reason, null, false, false);
        this.status = status;
        this.errorType = errorType;
    }

    public int status() {
        return status;
    }

    public String errorType() {
        return errorType;
    }
}
