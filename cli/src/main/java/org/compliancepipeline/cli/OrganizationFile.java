package org.compliancepipeline.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.compliancepipeline.schemas.Ids;
import org.compliancepipeline.schemas.Organization;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Organisations from a file: JSON ({@code [...]} or {@code {"organizations": [...]}}, objects
 * with {@code orgId}, {@code name}, {@code sector}, {@code region}, {@code frameworks}) or CSV
 * (header {@code orgId,name,sector,region,frameworks}; frameworks separated by {@code ;}; fields
 * quoted with {@code "} when they hold commas). The whole file is checked and every problem
 * reported with its place; nothing is loaded from a file with problems.
 */
public final class OrganizationFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FIELDS = List.of("orgId", "name", "sector", "region", "frameworks");
    private static final String EXPECTED = String.join(", ", FIELDS);

    /** The organisations, or the problems (each naming the entry and the field). */
    public record Result(List<Organization> organizations, List<String> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    private OrganizationFile() { }

    public static Result read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".json") || (!name.endsWith(".csv") && text.stripLeading().matches("(?s)^[\\[{].*"));
        return json ? parseJson(text) : parseCsv(text);
    }

    public static Result parseJson(String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new Result(List.of(), List.of("not valid JSON: " + e.getOriginalMessage()));
        }
        JsonNode list = root != null && root.isObject() ? root.path("organizations") : root;
        if (list == null || !list.isArray()) {
            return new Result(List.of(), List.of("expected a JSON array of organisations or {\"organizations\": [...]}"));
        }
        Checker c = new Checker();
        for (int i = 0; i < list.size(); i++) {
            JsonNode o = list.get(i);
            String where = "organizations[" + i + "]";
            if (!o.isObject()) {
                c.problems.add(where + ": must be an object");
                continue;
            }
            for (Iterator<String> names = o.fieldNames(); names.hasNext(); ) {
                String f = names.next();
                if (!FIELDS.contains(f)) c.problems.add(where + "." + f + ": unknown field (expected " + EXPECTED + ")");
            }
            List<String> frameworks = new ArrayList<>();
            JsonNode fw = o.path("frameworks");
            if (fw.isArray()) fw.forEach(f -> frameworks.add(f.asText()));
            else if (!fw.isMissingNode() && !fw.isNull()) c.problems.add(where + ".frameworks: must be an array of framework ids");
            c.add(where, text(o, "orgId"), text(o, "name"), text(o, "sector"), text(o, "region"), frameworks);
        }
        return c.result();
    }

    public static Result parseCsv(String text) {
        List<List<String>> rows = Csv.parse(text);
        Checker c = new Checker();
        if (rows.isEmpty()) return new Result(List.of(), List.of("empty file"));
        List<String> header = rows.getFirst().stream().map(String::strip).toList();
        Map<String, Integer> col = new java.util.HashMap<>();
        for (int i = 0; i < header.size(); i++) col.put(header.get(i), i);
        for (String h : header) if (!FIELDS.contains(h)) c.problems.add("line 1: unknown column '" + h + "' (expected " + EXPECTED + ")");
        if (!col.containsKey("orgId") || !col.containsKey("name")) {
            c.problems.add("line 1: the header needs at least the columns orgId and name");
            return c.result();
        }
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() == 1 && row.getFirst().isBlank()) continue;
            String where = "line " + (r + 1);
            if (row.size() > header.size()) c.problems.add(where + ": " + row.size() + " fields, the header has " + header.size());
            List<String> frameworks = new ArrayList<>();
            String fw = cell(row, col, "frameworks");
            if (fw != null) for (String f : fw.split(";")) if (!f.isBlank()) frameworks.add(f.strip());
            c.add(where, cell(row, col, "orgId"), cell(row, col, "name"), cell(row, col, "sector"), cell(row, col, "region"), frameworks);
        }
        return c.result();
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String cell(List<String> row, Map<String, Integer> col, String name) {
        Integer i = col.get(name);
        if (i == null || i >= row.size()) return null;
        String v = row.get(i).strip();
        return v.isEmpty() ? null : v;
    }

    private static final class Checker {
        final List<Organization> organizations = new ArrayList<>();
        final List<String> problems = new ArrayList<>();
        final Set<String> seen = new HashSet<>();

        void add(String where, String orgId, String name, String sector, String region, List<String> frameworks) {
            int before = problems.size();
            if (orgId == null) problems.add(where + ".orgId: is required");
            else if (!Ids.isId(orgId)) problems.add(where + ".orgId: '" + orgId + "' is not an id (1-128 letters, digits and . _ ( ) -)");
            else if (!seen.add(orgId)) problems.add(where + ".orgId: '" + orgId + "' appears twice");
            if (name == null || name.isBlank()) problems.add(where + ".name: is required");
            else if (name.length() > 256) problems.add(where + ".name: at most 256 characters");
            for (String f : frameworks) {
                if (!Ids.isId(f)) problems.add(where + ".frameworks: '" + f + "' is not a framework id");
            }
            if (problems.size() == before) {
                organizations.add(Organization.newBuilder().setOrgId(orgId).setName(name.strip()).setSector(sector).setRegion(region)
                        .setFrameworks(List.copyOf(new LinkedHashSet<>(frameworks))).build());
            }
        }

        Result result() {
            return new Result(List.copyOf(organizations), List.copyOf(problems));
        }
    }

    /** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
    static final class Csv {
        private Csv() { }

        static List<List<String>> parse(String text) {
            List<List<String>> rows = new ArrayList<>();
            List<String> row = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < text.length(); i++) {
                char ch = text.charAt(i);
                if (quoted) {
                    if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') { field.append('"'); i++; }
                    else if (ch == '"') quoted = false;
                    else field.append(ch);
                } else if (ch == '"') {
                    quoted = true;
                } else if (ch == ',') {
                    row.add(field.toString()); field.setLength(0);
                } else if (ch == '\n' || ch == '\r') {
                    if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                    row.add(field.toString()); field.setLength(0);
                    rows.add(row); row = new ArrayList<>();
                } else if (ch != '\uFEFF' || i > 0) {
                    field.append(ch);
                }
            }
            if (field.length() > 0 || !row.isEmpty()) { row.add(field.toString()); rows.add(row); }
            return rows;
        }
    }
}
