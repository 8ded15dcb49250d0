package org.compliancepipeline.ingest.auth;

import org.compliancepipeline.platform.auth.ApiKey;
import org.compliancepipeline.platform.auth.ApiKeys;
import org.compliancepipeline.platform.auth.ApiKeySecrets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Manages the API keys file. The secret of a new key is printed once and never stored; the file
 * holds its SHA-256 only. The file is rewritten atomically (temp file + rename), so a running
 * service never reads half a file.
 *
 * <pre>
 * ApiKeyTool create --file keys.json --id acme-scanner --org acme [--org ...] [--scope records:write]
 *                   [--scope oscal:write] [--framework nist-800-53-r5] [--rate 2000 --burst 10000] [--description text]
 * ApiKeyTool revoke --file keys.json --id acme-scanner
 * ApiKeyTool list   --file keys.json
 * </pre>
 * {@code --file} defaults to {@code $INGEST_API_KEYS_FILE}.
 */
public final class ApiKeyTool {
    private ApiKeyTool() { }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        if (args.length == 0) return usage(err);
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            return usage(err);
        }
        if (o.file == null) {
            err.println("no keys file: give --file or set INGEST_API_KEYS_FILE");
            return 2;
        }
        try {
            return execute(args[0], o, out, err);
        } catch (ApiKeys.InvalidKeysFile e) {
            err.println("refused: " + String.join("; ", e.problems()));
            return 1;
        }
    }

    private static int execute(String command, Options o, PrintStream out, PrintStream err) throws IOException {
        ApiKeys keys = Files.exists(o.file) ? ApiKeys.parse(Files.readAllBytes(o.file)) : ApiKeys.of(List.of());
        switch (command) {
            case "create" -> {
                if (o.id == null || o.orgs.isEmpty()) {
                    err.println("create needs --id and at least one --org");
                    return 2;
                }
                if (keys.all().stream().anyMatch(k -> k.id().equals(o.id))) {
                    err.println("a key with id '" + o.id + "' exists already; revoke it and create one with another id");
                    return 1;
                }
                String secret = ApiKeySecrets.newSecret();
                Set<String> scopes = o.scopes.isEmpty() ? Set.of(ApiKey.RECORDS_WRITE, ApiKey.OSCAL_WRITE) : o.scopes;
                ApiKey.RateLimit limit = o.rate == null ? null : new ApiKey.RateLimit(o.rate, o.burst == null ? o.rate * 10 : o.burst);
                List<ApiKey> next = new ArrayList<>(keys.all());
                next.add(new ApiKey(o.id, ApiKeySecrets.sha256(secret), List.copyOf(o.orgs), scopes, o.framework, false, limit, o.description));
                write(o.file, next);
                out.println(secret);
                err.println("key '" + o.id + "' added to " + o.file + "; the secret above is shown only this once");
            }
            case "revoke" -> {
                if (o.id == null) {
                    err.println("revoke needs --id");
                    return 2;
                }
                if (keys.all().stream().noneMatch(k -> k.id().equals(o.id))) {
                    err.println("no key with id '" + o.id + "' in " + o.file);
                    return 1;
                }
                write(o.file, keys.all().stream().map(k -> k.id().equals(o.id) ? k.revoke() : k).toList());
                err.println("key '" + o.id + "' revoked");
            }
            case "list" -> keys.all().forEach(k -> out.printf("%-32s orgs=%s scopes=%s%s%s%n", k.id(), k.orgs(), k.scopes(),
                    k.rateLimit() == null ? "" : " rate=" + k.rateLimit().perSecond() + "/s burst=" + k.rateLimit().burst(),
                    k.revoked() ? " REVOKED" : ""));
            default -> {
                return usage(err);
            }
        }
        return 0;
    }

    private static void write(Path file, List<ApiKey> keys) throws IOException {
        // Validate what we write with the same parser the service uses.
        byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(ApiKeys.of(keys).toJson());
        ApiKeys.parse(bytes);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".api-keys", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: keep the default permissions
            }
            Files.write(tmp, bytes);
            Files.writeString(tmp, "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int usage(PrintStream err) {
        err.println("""
                usage:
                  ApiKeyTool create --id ID --org ORG [--org ORG...] [--scope records:write] [--scope oscal:write] [--scope query:read]
                                    [--framework FW] [--rate RECORDS_PER_SECOND [--burst RECORDS]] [--description TEXT] [--file F]
                  ApiKeyTool revoke --id ID [--file F]
                  ApiKeyTool list [--file F]
                --file defaults to $INGEST_API_KEYS_FILE; create prints the new secret once on stdout.""");
        return 2;
    }

    private static final class Options {
        Path file = System.getenv("INGEST_API_KEYS_FILE") == null ? null : Path.of(System.getenv("INGEST_API_KEYS_FILE"));
        String id;
        String framework;
        String description;
        Double rate;
        Double burst;
        final Set<String> orgs = new LinkedHashSet<>();
        final Set<String> scopes = new LinkedHashSet<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 1; i < args.length; i++) {
                String flag = args[i];
                if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
                String v = args[++i];
                try {
                    switch (flag) {
                        case "--file" -> o.file = Path.of(v);
                        case "--id" -> o.id = v;
                        case "--org" -> o.orgs.add(v);
                        case "--scope" -> o.scopes.add(v);
                        case "--framework" -> o.framework = v;
                        case "--description" -> o.description = v;
                        case "--rate" -> o.rate = Double.parseDouble(v);
                        case "--burst" -> o.burst = Double.parseDouble(v);
                        default -> throw new IllegalArgumentException("unknown option " + flag);
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(flag + " must be a number, got '" + v + "'");
                }
            }
            return o;
        }
    }
}
