package org.compliancepipeline.schemas.json;

/**
 * One problem with one field of an input document.
 *
 * @param path   where, e.g. {@code observedAt}, {@code evidenceUris[2]}, {@code tags.env}
 * @param reason why, in words a producer can act on, e.g. {@code must be one of SATISFIED, ...}
 */
public record FieldError(String path, String reason) {
    @Override
    public String toString() {
        return path + ": " + reason;
    }
}
