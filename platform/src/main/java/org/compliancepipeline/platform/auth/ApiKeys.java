package org.compliancepipeline.platform.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.compliancepipeline.schemas.Ids;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The keys of one version of the keys file, looked up by the hash of the presented secret.
 *
 * <pre>{@code
 * {"keys": [
 *   {"id": "acme-scanner", "sha256": "<hex of the secret's SHA-256>", "orgs": ["acme"],
 *    "scopes": ["records:write", "oscal:write"], "framework": "nist-800-53-r5", "revoked": false,
 *    "rateLimit": {"perSecond": 2000, "burst": 10000}}
 * ]}
 * }</pre>
 */
public final class ApiKeys {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> FIELDS = Set.of("id", "sha256", "orgs", "scopes", "framework", "revoked", "rateLimit", "description");

    private final List<ApiKey> keys;
    private final Map<String, ApiKey> byHash;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        Map<String, ApiKey> m = new HashMap<>();
        keys.forEach(k -> m.put(k.sha256(), k));
        this.byHash = Map.copyOf(m);
    }

    public static ApiKeys of(List<ApiKey> keys) {
        return new ApiKeys(keys);
    }

    public List<ApiKey> all() {
        return keys;
    }

    /** The key whose secret this is, revoked or not; null when none. */
    public ApiKey bySecret(String secret) {
        return byHash.get(ApiKeySecrets.sha256(secret));
    }

    /**
     * Parses a keys file.
     *
     * @throws InvalidKeysFile naming every problem with its path
     */
    public static ApiKeys parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidKeysFile(List.of("malformed JSON: " + e.getMessage()));
        }
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject() || !(root.get("keys") instanceof ArrayNode array)) {
            throw new InvalidKeysFile(List.of("$: must be an object {\"keys\": [...]}"));
        }
        List<ApiKey> keys = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        Set<String> hashes = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            ApiKey key = key(array.get(i), "keys[" + i + "]", problems);
            if (key == null) continue;
            if (!ids.add(key.id())) problems.add("keys[" + i + "].id: duplicate id '" + key.id() + "'");
            if (!hashes.add(key.sha256())) problems.add("keys[" + i + "].sha256: the same secret hash appears twice");
            keys.add(key);
        }
        if (!problems.isEmpty()) throw new InvalidKeysFile(problems);
        return new ApiKeys(keys);
    }

    private static ApiKey key(JsonNode node, String path, List<String> problems) {
        if (!(node instanceof ObjectNode o)) {
            problems.add(path + ": must be an object");
            return null;
        }
        int before = problems.size();
        for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) problems.add(path + "." + f + ": unknown field");
        }
        String id = text(o, "id", path, problems, true);
        if (id != null && !Ids.isId(id)) problems.add(path + ".id: must be 1-128 letters, digits and . _ ( ) -");
        String sha = text(o, "sha256", path, problems, true);
        if (sha != null && !HEX_SHA256.matcher(sha).matches()) problems.add(path + ".sha256: must be 64 lower-case hex characters");
        Set<String> orgs = strings(o, "orgs", path, problems);
        if (orgs.isEmpty()) problems.add(path + ".orgs: must name at least one org (or \"*\")");
        for (String org : orgs) {
            if (!org.equals(ApiKey.ANY_ORG) && !Ids.isId(org)) problems.add(path + ".orgs: '" + org + "' is not a valid org id");
        }
        Set<String> scopes = strings(o, "scopes", path, problems);
        for (String s : scopes) {
            if (!ApiKey.KNOWN_SCOPES.contains(s)) problems.add(path + ".scopes: unknown scope '" + s + "' (known: " + ApiKey.KNOWN_SCOPES + ")");
        }
        String framework = text(o, "framework", path, problems, false);
        if (framework != null && !Ids.isId(framework)) problems.add(path + ".framework: not a valid framework id");
        JsonNode revoked = o.get("revoked");
        if (revoked != null && !revoked.isBoolean()) problems.add(path + ".revoked: must be true or false");
        String description = text(o, "description", path, problems, false);
        ApiKey.RateLimit limit = null;
        JsonNode rl = o.get("rateLimit");
        if (rl != null) {
            JsonNode rate = rl.get("perSecond");
            JsonNode burst = rl.get("burst");
            if (!rl.isObject() || rate == null || !rate.isNumber() || rate.doubleValue() <= 0
                    || burst == null || !burst.isNumber() || burst.doubleValue() < 1 || rl.size() != 2) {
                problems.add(path + ".rateLimit: must be {\"perSecond\": > 0, \"burst\": >= 1}");
            } else {
                limit = new ApiKey.RateLimit(rate.doubleValue(), burst.doubleValue());
            }
        }
        if (problems.size() > before) return null;
        return new ApiKey(id, sha, List.copyOf(orgs), scopes, framework, revoked != null && revoked.booleanValue(), limit, description);
    }

    private static String text(ObjectNode o, String field, String path, List<String> problems, boolean required) {
        JsonNode v = o.get(field);
        if (v == null || v.isNull()) {
            if (required) problems.add(path + "." + field + ": is required");
            return null;
        }
        if (!v.isTextual() || v.textValue().isBlank()) {
            problems.add(path + "." + field + ": must be a non-empty string");
            return null;
        }
        return v.textValue();
    }

    private static Set<String> strings(ObjectNode o, String field, String path, List<String> problems) {
        JsonNode v = o.get(field);
        Set<String> out = new LinkedHashSet<>();
        if (v == null || !v.isArray()) {
            problems.add(path + "." + field + ": must be an array of strings");
            return out;
        }
        for (JsonNode e : v) {
            if (e.isTextual()) out.add(e.textValue());
            else problems.add(path + "." + field + ": must hold only strings");
        }
        return out;
    }

    /** The JSON of a keys file holding these keys (used by the key tool to rewrite the file). */
    public ObjectNode toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode array = root.putArray("keys");
        for (ApiKey k : keys) {
            ObjectNode o = array.addObject();
            o.put("id", k.id());
            o.put("sha256", k.sha256());
            k.orgs().forEach(o.putArray("orgs")::add);
            k.scopes().stream().sorted().forEach(o.putArray("scopes")::add);
            if (k.framework() != null) o.put("framework", k.framework());
            o.put("revoked", k.revoked());
            if (k.rateLimit() != null) {
                o.putObject("rateLimit").put("perSecond", k.rateLimit().perSecond()).put("burst", k.rateLimit().burst());
            }
            if (k.description() != null) o.put("description", k.description());
        }
        return root;
    }

    /** A keys file that cannot be used, with every problem found in it. */
    public static final class InvalidKeysFile extends RuntimeException {
        private final List<String> problems;

        public InvalidKeysFile(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
