package org.compliancepipeline.query.store;

/** A store that cannot answer now: the route that needs it answers 503, the others keep answering. */
public final class StoreDown extends RuntimeException {
    private final String store;

    public StoreDown(String store, String message, Throwable cause) {
        super(message, cause, false, false);
        this.store = store;
    }

    /** {@code redis}, {@code postgresql} or {@code elasticsearch}. */
    public String store() {
        return store;
    }
}
