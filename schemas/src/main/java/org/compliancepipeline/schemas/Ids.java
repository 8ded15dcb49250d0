package org.compliancepipeline.schemas;

import java.util.regex.Pattern;

/**
 * The shape of identifiers. Narrow on purpose: ids become Kafka keys, Redis keys, Elasticsearch
 * ids and URL path segments, so they never contain '/', ':', '@', '{', '}' or whitespace.
 */
public final class Ids {
    private Ids() { }

    public static final int MAX_LENGTH = 128;
    /** org, framework, control and objective ids: e.g. {@code acme}, {@code nist-800-53-r5}, {@code ac-6.1}, {@code ac-6.1_obj}. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._()-]{0,127}");
    /** record ids may also hold ":" (URNs) : e.g. {@code 0193f1c2-...}, {@code scanner-7.run-42.item-3}. */
    public static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:()-]{0,127}");

    /** Whether {@code value} matches {@link #ID} (checked without the regex engine: ids are checked for every record). */
    public static boolean isId(String value) {
        return matches(value, false);
    }

    /** Whether {@code value} matches {@link #RECORD_ID}. */
    public static boolean isRecordId(String value) {
        return matches(value, true);
    }

    private static boolean matches(String value, boolean colon) {
        if (value == null || value.isEmpty() || value.length() > MAX_LENGTH || !alphanumeric(value.charAt(0))) return false;
        for (int i = 1; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(alphanumeric(c) || c == '.' || c == '_' || c == '(' || c == ')' || c == '-' || (colon && c == ':'))) return false;
        }
        return true;
    }

    private static boolean alphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
