package org.compliancepipeline.sink.timescale;

/** JSON string escaping for the jsonb columns. */
final class JsonText {
    private JsonText() { }

    static void string(StringBuilder j, String s) {
        j.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> j.append("\\\"");
                case '\\' -> j.append("\\\\");
                case '\n' -> j.append("\\n");
                case '\r' -> j.append("\\r");
                case '\t' -> j.append("\\t");
                default -> {
                    if (c < 0x20) j.append(String.format("\\u%04x", (int) c));
                    else j.append(c);
                }
            }
        }
        j.append('"');
    }
}
