package org.compliancepipeline.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A benchmark's figures, written to {@code bench/results/<name>.json} and printed:
 * {@code benchmark, date, machine, command, rate, unit, limit_rate, ratio, latency_ms{p50,p99,...}}
 * plus any named figure. Numbers stay numbers.
 */
public final class BenchReport {
    private final String benchmark;
    private final String command;
    private double rate = Double.NaN;
    private String unit = "records/s";
    private double limitRate = Double.NaN;
    private final Map<String, Double> latencyMs = new LinkedHashMap<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();

    public BenchReport(String benchmark, String command) {
        this.benchmark = benchmark;
        this.command = command;
    }

    public BenchReport rate(double rate, String unit) { this.rate = rate; this.unit = unit; return this; }

    public BenchReport limitRate(double limitRate) { this.limitRate = limitRate; return this; }

    public BenchReport latency(String name, double millis) { latencyMs.put(name, round(millis)); return this; }

    /** p50, p90, p99, p999 and max from a histogram recorded in microseconds. */
    public BenchReport latencyMicros(String prefix, Histogram micros) {
        String p = prefix.isEmpty() ? "" : prefix + "_";
        latency(p + "p50", micros.getValueAtPercentile(50) / 1000.0);
        latency(p + "p90", micros.getValueAtPercentile(90) / 1000.0);
        latency(p + "p99", micros.getValueAtPercentile(99) / 1000.0);
        latency(p + "p999", micros.getValueAtPercentile(99.9) / 1000.0);
        latency(p + "max", micros.getMaxValue() / 1000.0);
        return this;
    }

    public BenchReport figure(String name, Object value) { figures.put(name, value instanceof Double d ? round(d) : value); return this; }

    public ObjectNode toJson() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode o = json.createObjectNode();
        o.put("benchmark", benchmark);
        o.put("date", OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS).toString());
        ObjectNode m = o.putObject("machine");
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("memory_gib", round(((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / (1024.0 * 1024 * 1024)));
        m.put("cpu", cpuModel());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        o.put("command", command);
        if (!Double.isNaN(rate)) o.put("rate", round(rate));
        o.put("unit", unit);
        if (!Double.isNaN(limitRate)) o.put("limit_rate", round(limitRate));
        if (!Double.isNaN(rate) && !Double.isNaN(limitRate) && limitRate > 0) o.put("ratio", round(rate / limitRate));
        ObjectNode lat = o.putObject("latency_ms");
        latencyMs.forEach(lat::put);
        figures.forEach((k, v) -> o.set(k, json.valueToTree(v)));
        return o;
    }

    /** Writes {@code bench/results/<benchmark>.json} under the repository root and prints it. */
    public Path write() {
        try {
            Path file = LocalInfra.root().resolve("bench/results/" + benchmark + ".json");
            Files.createDirectories(file.getParent());
            String text = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toJson());
            Files.writeString(file, text + "\n");
            System.out.println(text);
            System.out.println("written to " + file);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
