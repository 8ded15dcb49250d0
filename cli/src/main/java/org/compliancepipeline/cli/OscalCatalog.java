package org.compliancepipeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.ControlDefinition;
import org.compliancepipeline.schemas.Ids;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OSCAL catalog (JSON, any catalog: a NIST SP 800-53 resolved baseline, ISO excerpts ...) read
 * into {@link ControlDefinition}s.
 *
 * <ul>
 *   <li><b>family</b>: the outermost {@code group} holding the control (its id and title); a
 *       control outside any group is its own family (the id up to the first {@code -} or {@code .});</li>
 *   <li><b>parentControlId</b>: set for a control nested in another control (an enhancement);</li>
 *   <li><b>statement</b>: the {@code statement} part as text, items on their own lines with their
 *       labels, parameters rendered the way SP 800-53 prints them: {@code [Assignment: label]},
 *       {@code [Selection (one or more): a; b]}, or the value when the catalog sets one;</li>
 *   <li><b>objectives</b>: every {@code assessment-objective} (or {@code objective}) part with
 *       prose, as {@code <part id>: <text>}, e.g. {@code ac-2_obj.a-1: account types allowed ...};</li>
 *   <li><b>baselines</b>: what the caller says the catalog is (e.g. {@code MODERATE} for a
 *       resolved baseline profile);</li>
 *   <li><b>weight</b>: a {@code weight} property on the control when it has one; otherwise the base
 *       weight for a control and the enhancement weight for an enhancement (1.0 and 0.5 by default:
 *       a base control states the requirement, an enhancement strengthens it).</li>
 * </ul>
 * Withdrawn controls ({@code status} property {@code withdrawn}) are left out.
 */
public final class OscalCatalog {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INSERT = Pattern.compile("\\{\\{\\s*insert:\\s*param\\s*,\\s*([^}\\s]+)\\s*}}");
    private static final Set<String> OBJECTIVE_PARTS = Set.of("assessment-objective", "objective");

    /** How to read a catalog. */
    public record Options(String framework, List<String> baselines, double baseWeight, double enhancementWeight) {
        public Options {
            baselines = List.copyOf(baselines);
        }

        public static Options defaults(String framework) {
            return new Options(framework, List.of(), 1.0, 0.5);
        }
    }

    /**
     * @param skipped controls that could not be used, each with the reason
     */
    public record Result(String title, String version, List<ControlDefinition> controls, int withdrawn, List<String> skipped) {
        public long enhancements() {
            return controls.stream().filter(c -> c.getParentControlId() != null).count();
        }

        public long families() {
            return controls.stream().map(ControlDefinition::getFamily).distinct().count();
        }
    }

    private final Options options;
    private final Map<String, JsonNode> params = new HashMap<>();
    private final List<ControlDefinition> controls = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private int withdrawn;

    private OscalCatalog(Options options) {
        this.options = options;
    }

    public static Result read(Path file, Options options) throws IOException {
        return parse(JSON.readTree(file.toFile()), options);
    }

    /** @throws IllegalArgumentException when the document is not an OSCAL catalog */
    public static Result parse(JsonNode document, Options options) {
        JsonNode catalog = document.path("catalog");
        if (!catalog.isObject()) throw new IllegalArgumentException("not an OSCAL catalog: no top-level \"catalog\" object");
        OscalCatalog reader = new OscalCatalog(options);
        reader.collectParams(catalog);
        for (JsonNode group : catalog.path("groups")) reader.group(group, group);
        for (JsonNode control : catalog.path("controls")) reader.control(control, null, null);
        return new Result(catalog.path("metadata").path("title").asText(""), catalog.path("metadata").path("version").asText(""),
                List.copyOf(reader.controls), reader.withdrawn, List.copyOf(reader.skipped));
    }

    /** Parameters may be used outside the control that defines them (an enhancement uses its base's): index them all. */
    private void collectParams(JsonNode node) {
        for (JsonNode p : node.path("params")) {
            if (p.hasNonNull("id")) params.put(p.get("id").asText(), p);
        }
        for (String child : List.of("groups", "controls")) {
            for (JsonNode n : node.path(child)) collectParams(n);
        }
    }

    private void group(JsonNode group, JsonNode family) {
        for (JsonNode control : group.path("controls")) control(control, family, null);
        for (JsonNode sub : group.path("groups")) group(sub, family);
    }

    private void control(JsonNode control, JsonNode family, String parentId) {
        String id = control.path("id").asText("");
        if (isWithdrawn(control)) {
            withdrawn++;
        } else if (!Ids.isId(id)) {
            skipped.add("'" + id + "': not a usable control id (letters, digits and . _ ( ) -)");
        } else {
            String familyId = family != null ? family.path("id").asText() : id.split("[-.]", 2)[0];
            if (!Ids.isId(familyId)) {
                skipped.add(id + ": group id '" + familyId + "' is not a usable family id");
            } else {
                controls.add(ControlDefinition.newBuilder()
                        .setFramework(options.framework())
                        .setControlId(id)
                        .setTitle(control.path("title").asText(id))
                        .setFamily(familyId)
                        .setFamilyTitle(family == null ? null : family.path("title").asText(null))
                        .setParentControlId(parentId)
                        .setStatement(statement(control))
                        .setObjectives(objectives(control))
                        .setBaselines(options.baselines())
                        .setWeight(weight(control, parentId != null))
                        .build());
            }
        }
        for (JsonNode enhancement : control.path("controls")) control(enhancement, family, id);
    }

    private static boolean isWithdrawn(JsonNode control) {
        for (JsonNode p : control.path("props")) {
            if ("status".equals(p.path("name").asText()) && "withdrawn".equalsIgnoreCase(p.path("value").asText())) return true;
        }
        return false;
    }

    private double weight(JsonNode control, boolean enhancement) {
        for (JsonNode p : control.path("props")) {
            if ("weight".equals(p.path("name").asText())) {
                try {
                    double w = Double.parseDouble(p.path("value").asText());
                    if (Double.isFinite(w) && w >= 0) return w;
                } catch (NumberFormatException e) {
                    // not a number: the rule below applies
                }
                skipped.add(control.path("id").asText() + ": weight property '" + p.path("value").asText()
                        + "' is not a number >= 0; the default weight is used");
            }
        }
        return enhancement ? options.enhancementWeight() : options.baseWeight();
    }

    private String statement(JsonNode control) {
        StringBuilder text = new StringBuilder();
        for (JsonNode part : control.path("parts")) {
            if ("statement".equals(part.path("name").asText())) statementPart(part, -1, text);
        }
        String s = text.toString().strip();
        return s.isEmpty() ? null : s;
    }

    private void statementPart(JsonNode part, int depth, StringBuilder out) {
        String label = label(part);
        String prose = part.hasNonNull("prose") ? render(part.get("prose").asText(), 0).strip() : "";
        if (!label.isEmpty() || !prose.isEmpty()) {
            out.append("  ".repeat(Math.max(0, depth))).append(label.isEmpty() ? "" : label + " ").append(prose).append('\n');
        }
        for (JsonNode sub : part.path("parts")) statementPart(sub, depth + 1, out);
    }

    private List<String> objectives(JsonNode control) {
        List<String> out = new ArrayList<>();
        for (JsonNode part : control.path("parts")) findObjectives(part, out);
        return out;
    }

    private void findObjectives(JsonNode part, List<String> out) {
        if (OBJECTIVE_PARTS.contains(part.path("name").asText())) {
            objective(part, out);
        } else {
            for (JsonNode sub : part.path("parts")) findObjectives(sub, out);
        }
    }

    private void objective(JsonNode part, List<String> out) {
        if (part.hasNonNull("prose")) {
            String id = part.path("id").asText("");
            String text = render(part.get("prose").asText(), 0).strip();
            out.add(id.isEmpty() ? text : id + ": " + text);
        }
        for (JsonNode sub : part.path("parts")) objective(sub, out);
    }

    private static String label(JsonNode part) {
        for (JsonNode p : part.path("props")) {
            if ("label".equals(p.path("name").asText()) && !p.has("class")) return p.path("value").asText("");
        }
        return "";
    }

    /** Replaces {@code {{ insert: param, id }}} with the parameter as SP 800-53 prints it. */
    private String render(String prose, int depth) {
        Matcher m = INSERT.matcher(prose);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(param(m.group(1), depth)));
        m.appendTail(out);
        return out.toString();
    }

    private String param(String id, int depth) {
        JsonNode p = params.get(id);
        if (p == null || depth > 5) return "[Assignment: " + id + "]";
        if (p.path("values").isArray() && !p.path("values").isEmpty()) {
            List<String> values = new ArrayList<>();
            p.path("values").forEach(v -> values.add(render(v.asText(), depth + 1)));
            return String.join(", ", values);
        }
        JsonNode select = p.path("select");
        if (select.isObject()) {
            List<String> choices = new ArrayList<>();
            select.path("choice").forEach(c -> choices.add(render(c.asText(), depth + 1).strip()));
            String how = "one-or-more".equals(select.path("how-many").asText()) ? "Selection (one or more)" : "Selection";
            return "[" + how + ": " + String.join("; ", choices) + "]";
        }
        return "[Assignment: " + p.path("label").asText(id) + "]";
    }
}
