package org.compliancepipeline.sink.timescale;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;

/**
 * Builds rows in PostgreSQL's COPY text format: tab-separated, {@code \N} for null, backslash
 * escapes; arrays as array literals and jsonb as JSON text, each then escaped for COPY.
 */
final class CopyText {
    private final StringBuilder sb = new StringBuilder(1 << 16);
    private boolean firstColumn = true;

    CopyText text(String v) {
        sep();
        if (v == null) sb.append("\\N");
        else escape(v);
        return this;
    }

    CopyText number(Double v) {
        sep();
        if (v == null) sb.append("\\N");
        else if (v.isNaN() || v.isInfinite()) throw new IllegalArgumentException("not a finite number: " + v);
        else sb.append(v.doubleValue());
        return this;
    }

    CopyText time(Instant v) {
        sep();
        if (v == null) sb.append("\\N");
        else sb.append(v);
        return this;
    }

    CopyText array(Collection<?> values) {
        StringBuilder literal = new StringBuilder(16 + values.size() * 16).append('{');
        boolean first = true;
        for (Object o : values) {
            if (!first) literal.append(',');
            first = false;
            literal.append('"');
            String s = String.valueOf(o);
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '"' || c == '\\') literal.append('\\');
                literal.append(c);
            }
            literal.append('"');
        }
        return text(literal.append('}').toString());
    }

    CopyText json(Map<String, String> map) {
        StringBuilder j = new StringBuilder(2 + map.size() * 24).append('{');
        boolean first = true;
        for (var e : map.entrySet()) {
            if (!first) j.append(',');
            first = false;
            JsonText.string(j, e.getKey());
            j.append(':');
            JsonText.string(j, e.getValue());
        }
        return text(j.append('}').toString());
    }

    void endRow() {
        sb.append('\n');
        firstColumn = true;
    }

    byte[] bytes() {
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    int length() {
        return sb.length();
    }

    void clear() {
        sb.setLength(0);
        firstColumn = true;
    }

    private void sep() {
        if (!firstColumn) sb.append('\t');
        firstColumn = false;
    }

    private void escape(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\t' -> sb.append("\\t");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\0' -> throw new IllegalArgumentException("text contains a NUL character");
                default -> sb.append(c);
            }
        }
    }

}
