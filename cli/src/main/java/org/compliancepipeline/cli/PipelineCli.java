package org.compliancepipeline.cli;

import org.compliancepipeline.platform.config.Env;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The pipeline's command line.
 *
 * <pre>
 * pipeline reference load-catalog --file &lt;oscal catalog json&gt; [--framework nist-800-53-r5] [--baseline MODERATE] ...
 * pipeline reference load-orgs --file &lt;json|csv&gt; ...
 * pipeline load [--to http|kafka] [--rate 1000] [--duration 30s | --count N] ...
 * </pre>
 * Kafka is reached as every service reaches it ({@code KAFKA_BOOTSTRAP_SERVERS}, {@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_CLIENT_*} ...), or {@code --bootstrap-servers}. Exit codes: 0 done, 1 the input has
 * problems (nothing written), 2 bad usage, 3 Kafka failed.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, version = "compliance pipeline CLI 0.1",
        description = "Operates the compliance pipeline.", subcommands = {ReferenceCommand.class, LoadCommand.class})
public final class PipelineCli {
    static final int INVALID_INPUT = 1;
    static final int KAFKA_FAILED = 3;

    private final Env env;

    public PipelineCli(Env env) {
        this.env = env;
    }

    Env env() {
        return env;
    }

    public static void main(String[] args) {
        System.exit(execute(Env.system(), new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** An input problem in words: a missing file says so rather than repeating its name. */
    static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) return "no such file";
        if (e instanceof java.nio.file.AccessDeniedException) return "permission denied";
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) return "not valid JSON: " + j.getOriginalMessage();
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Runs one command line with the given environment and output streams; returns the exit code. */
    public static int execute(Env env, PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new PipelineCli(env)).setOut(out).setErr(err).execute(args);
    }
}
