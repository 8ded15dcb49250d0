package org.compliancepipeline.platform.config;

/** A configuration value that must never be printed: {@link #toString()} hides it. */
public record Secret(String value) {
    public boolean isPresent() {
        return value != null && !value.isEmpty();
    }

    @Override
    public String toString() {
        return isPresent() ? "******" : "(unset)";
    }
}
