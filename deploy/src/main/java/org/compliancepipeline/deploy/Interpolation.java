package org.compliancepipeline.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compose's variable interpolation ({@code ${NAME}}, {@code ${NAME:-default}}, {@code ${NAME-default}},
 * {@code ${NAME:?error}}, {@code ${NAME?error}}, {@code ${NAME:+alt}}, {@code $NAME}, {@code $$}) with the
 * values of an env file, remembering which variables are used and which are used without a value or a default.
 */
final class Interpolation {
    private static final Pattern REFERENCE = Pattern.compile(
            "\\$(?:(\\$)|\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\\{[^{}]*})*))?}|([A-Za-z_][A-Za-z0-9_]*))");

    private final Map<String, String> variables;
    private final Set<String> used = new TreeSet<>();
    private final Set<String> missing = new TreeSet<>();

    Interpolation(Map<String, String> variables) {
        this.variables = Map.copyOf(variables);
    }

    Set<String> used() {
        return used;
    }

    /** Variables used without a default that the env file does not set. */
    Set<String> missing() {
        return missing;
    }

    String apply(String text) {
        Matcher m = REFERENCE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(resolve(m)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String resolve(Matcher m) {
        if (m.group(1) != null) return "$";
        String name = m.group(2) != null ? m.group(2) : m.group(5);
        String operator = m.group(3);
        String argument = m.group(4) == null ? "" : m.group(4);
        used.add(name);
        String value = variables.get(name);
        boolean set = value != null;
        boolean nonEmpty = set && !value.isEmpty();
        if (operator == null || operator.endsWith("?")) {
            if (!set) missing.add(name);
            return set ? value : "";
        }
        return switch (operator) {
            case ":-" -> nonEmpty ? value : apply(argument);
            case "-" -> set ? value : apply(argument);
            case ":+" -> nonEmpty ? apply(argument) : "";
            case "+" -> set ? apply(argument) : "";
            default -> throw new IllegalStateException(operator);
        };
    }

    /** A copy of {@code node} with every string value interpolated (keys are left as they are, as compose does). */
    JsonNode apply(JsonNode node) {
        if (node.isTextual()) return JsonNodeFactory.instance.textNode(apply(node.textValue()));
        if (node.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                copy.set(e.getKey(), apply(e.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(n -> copy.add(apply(n)));
            return copy;
        }
        return node.deepCopy();
    }
}
