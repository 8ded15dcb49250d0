package org.compliancepipeline.query;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.compliancepipeline.platform.kafka.KafkaClients;
import org.compliancepipeline.testkit.BenchReport;
import org.compliancepipeline.testkit.Infra;
import org.compliancepipeline.testkit.RealInfraExtension;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code bin/bench query-api [--clients 100] [--seconds 30] [--warmup 5] [--orgs 200] [--controls 50] [--zipf 1.1] [--load 0.5]}:
 * first a closed loop of {@code --clients} concurrent HTTP clients on loopback against the query API (the maximum rate),
 * then the same clients in an open loop at {@code --load} times that rate (the latencies)
 * (in this JVM, on the real Redis, PostgreSQL and Elasticsearch), each request a Zipf-chosen org and a
 * route drawn from the mix score 50% : controls 30% : search 20%. Every store is loaded first, in the
 * sinks' layouts; a tenth of the orgs' scores are only in PostgreSQL, so the cache-aside path runs too.
 * The raw limit, measured in the same run with the same concurrency: HGETALL of a score hash
 * straight on Redis (Lettuce, one shared connection, as the API uses it), i.e. the store round trip
 * that the cached routes wrap.
 */
public final class QueryApiBenchmark {
    private enum Route { SCORE, CONTROLS, SEARCH }

    private static final String[] WORDS = {"firewall", "password", "ingress", "policy enforced", "host 7", "unrestricted", "automated check"};

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        int clients = Integer.parseInt(o.getOrDefault("clients", "100"));
        int seconds = Integer.parseInt(o.getOrDefault("seconds", "30"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "5"));
        int orgs = Integer.parseInt(o.getOrDefault("orgs", "200"));
        int controls = Integer.parseInt(o.getOrDefault("controls", "50"));
        double zipf = Double.parseDouble(o.getOrDefault("zipf", "1.1"));
        double load = Double.parseDouble(o.getOrDefault("load", "0.5"));
        String command = System.getProperty("pipeline.bench.command", "bin/bench query-api");

        Infra infra = RealInfraExtension.infra();
        try (Fixture fx = new Fixture(infra); KafkaClients kafka = fx.kafka()) {
            List<String> orgIds = new ArrayList<>();
            for (int i = 0; i < orgs; i++) orgIds.add(String.format("org-%04d", i));
            fx.writeKeys(orgIds.getFirst());
            fx.loadCatalog(controls);
            long loadStart = System.nanoTime();
            for (int i = 0; i < orgs; i++) fx.loadOrg(orgIds.get(i), controls, 20 + (i * 37) % 80, i % 10 != 9);
            System.out.printf("loaded %d orgs x %d controls into PostgreSQL, Elasticsearch and Redis in %.1f s%n", orgs, controls,
                    (System.nanoTime() - loadStart) / 1e9);

            try (QueryApi api = QueryApi.start(fx.config(), kafka, new SimpleMeterRegistry(), Duration.ofSeconds(2))) {
                while (!api.catalog().caughtUp()) Thread.sleep(100);
                String base = "http://127.0.0.1:" + api.port();
                String key = fx.secrets.get("bench");
                double[] cdf = zipfCdf(orgs, zipf);

                Run warm = load(base, key, orgIds, cdf, clients, warmup, 1, 0);
                System.out.printf("warm-up: %.0f requests/s%n", warm.rate());
                Run max = load(base, key, orgIds, cdf, clients, seconds, 2, 0);
                System.out.printf("closed loop: %.0f requests/s, p99 %.1f ms%n", max.rate(), all(max).getValueAtPercentile(99) / 1000.0);
                double target = Math.max(1, max.rate() * load);
                Run run = load(base, key, orgIds, cdf, clients, seconds, 3, target);
                System.out.printf("open loop at %.0f requests/s: p99 %.1f ms%n", target, all(run).getValueAtPercentile(99) / 1000.0);
                double limit = rawHgetall(fx, orgIds, clients, Math.min(10, seconds));

                Histogram all = all(run);
                Histogram maxAll = all(max);
                Map<String, Object> saturated = new LinkedHashMap<>();
                saturated.put("rate", Math.round(max.rate() * 10) / 10.0);
                saturated.put("p50_ms", maxAll.getValueAtPercentile(50) / 1000.0);
                saturated.put("p99_ms", maxAll.getValueAtPercentile(99) / 1000.0);
                saturated.put("cached_p99_ms", max.cached.getValueAtPercentile(99) / 1000.0);
                for (Route r : Route.values()) {
                    saturated.put(r.name().toLowerCase() + "_p50_ms", max.byRoute.get(r).getValueAtPercentile(50) / 1000.0);
                    saturated.put(r.name().toLowerCase() + "_p99_ms", max.byRoute.get(r).getValueAtPercentile(99) / 1000.0);
                }
                BenchReport report = new BenchReport("query-api", command)
                        .rate(max.rate(), "requests/s")
                        .limitRate(limit)
                        .latencyMicros("", all)
                        .latency("cached_p50", run.cached.getValueAtPercentile(50) / 1000.0)
                        .latency("cached_p99", run.cached.getValueAtPercentile(99) / 1000.0)
                        .latency("search_p50", run.byRoute.get(Route.SEARCH).getValueAtPercentile(50) / 1000.0)
                        .latency("search_p99", run.byRoute.get(Route.SEARCH).getValueAtPercentile(99) / 1000.0);
                for (Route r : Route.values()) {
                    Histogram h = run.byRoute.get(r);
                    String n = r.name().toLowerCase();
                    report.latency(n + "_p50", h.getValueAtPercentile(50) / 1000.0).latency(n + "_p99", h.getValueAtPercentile(99) / 1000.0);
                }
                Map<String, Object> perRoute = new LinkedHashMap<>();
                for (Route r : Route.values()) perRoute.put(r.name().toLowerCase(), run.byRoute.get(r).getTotalCount());
                long hits = max.hits.sum() + run.hits.sum();
                long misses = max.misses.sum() + run.misses.sum();
                report.figure("cache_hit_ratio", hits / (double) Math.max(1, hits + misses))
                        .figure("cache_hits", hits)
                        .figure("cache_misses", misses)
                        .figure("latency_rate", Math.round(run.rate() * 10) / 10.0)
                        .figure("latency_load", load)
                        .figure("requests", all.getTotalCount())
                        .figure("requests_by_route", perRoute)
                        .figure("errors", run.errors.sum() + max.errors.sum())
                        .figure("saturated", saturated)
                        .figure("clients", clients)
                        .figure("seconds", seconds)
                        .figure("orgs", orgs)
                        .figure("controls_per_org", controls)
                        .figure("search_documents", (long) orgs * controls)
                        .figure("zipf_exponent", zipf)
                        .figure("mix", "score 50% (cache-aside: Redis, else PostgreSQL written back), controls 30% (Redis + catalog titles), "
                                + "search 20% (Elasticsearch: full text, org filter, 6 facets, highlighting)")
                        .figure("cached_means", "score and controls requests answered from Redis")
                        .figure("rate_measured", "closed loop: " + clients + " clients, each sending its next request when the previous answered, for "
                                + seconds + " s (the maximum); figures under 'saturated' are that run's latencies")
                        .figure("latency_of", "open loop at latency_load x the maximum rate, spread over the same " + clients + " clients: one HTTP "
                                + "request from its scheduled send time to the full response read (a late answer delays the client's next "
                                + "requests and counts against them); includes the API key check, the per-key rate limit in Redis and the audit "
                                + "record to Kafka")
                        .figure("limit", "raw HGETALL of a score hash on Redis with the same concurrency (" + clients
                                + " virtual threads, one shared Lettuce connection), in the same run")
                        .figure("load_generator", "java.net.http.HttpClient, HTTP/1.1, in the API's JVM (client and server share the 2 cores)")
                        .figure("goals", Map.of("cached_p99_ms", 10, "search_p99_ms", 100, "cache_hit_ratio", 0.95));
                report.write();
            }
        }
        System.exit(0);
    }

    private static Histogram all(Run run) {
        Histogram h = new Histogram(3);
        run.byRoute.values().forEach(h::add);
        return h;
    }

    private record Run(double rate, Map<Route, Histogram> byRoute, Histogram cached, LongAdder hits, LongAdder misses, LongAdder errors) { }

    /** {@code rate} 0: closed loop; otherwise each client sends at rate/clients per second on a fixed schedule. */
    private static Run load(String base, String key, List<String> orgs, double[] cdf, int clients, int seconds, long seed, double rate)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        Map<Route, Recorder> recorders = new LinkedHashMap<>();
        for (Route r : Route.values()) recorders.put(r, new Recorder(3));
        Recorder cached = new Recorder(3);
        LongAdder hits = new LongAdder();
        LongAdder misses = new LongAdder();
        LongAdder errors = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SplittableRandom random = new SplittableRandom(seed * 1000 + c);
            long intervalNanos = rate > 0 ? (long) (1e9 * clients / rate) : 0;
            long first = System.nanoTime() + (rate > 0 ? random.nextLong(intervalNanos) : 0);
            threads.add(Thread.ofVirtual().start(() -> {
                long next = first;
                while (!stop.get()) {
                    if (intervalNanos > 0) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        if (stop.get()) break;
                    }
                    String org = orgs.get(zipf(cdf, random.nextDouble()));
                    double pick = random.nextDouble();
                    Route route = pick < 0.5 ? Route.SCORE : pick < 0.8 ? Route.CONTROLS : Route.SEARCH;
                    String path = switch (route) {
                        case SCORE -> "/v1/orgs/" + org + "/frameworks/" + Fixture.FW + "/score";
                        case CONTROLS -> "/v1/orgs/" + org + "/frameworks/" + Fixture.FW + "/controls?status=NOT_SATISFIED";
                        case SEARCH -> "/v1/search?org=" + org + "&size=10&q="
                                + URLEncoder.encode(WORDS[random.nextInt(WORDS.length)], StandardCharsets.UTF_8);
                    };
                    HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + key)
                            .timeout(Duration.ofSeconds(10)).GET().build();
                    long start = intervalNanos > 0 ? next : System.nanoTime();
                    next += intervalNanos;
                    try {
                        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                        long micros = (System.nanoTime() - start) / 1000;
                        if (r.statusCode() != 200) {
                            errors.increment();
                            continue;
                        }
                        recorders.get(route).recordValue(micros);
                        String body = r.body();
                        if (route != Route.SEARCH && body.contains("\"source\":\"redis\"")) cached.recordValue(micros);
                        if (route == Route.SCORE) (body.contains("\"cache\":\"hit\"") ? hits : misses).increment();
                    } catch (Exception e) {
                        errors.increment();
                    }
                }
            }));
        }
        long start = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : threads) t.join();
        double elapsed = (System.nanoTime() - start) / 1e9;
        Map<Route, Histogram> byRoute = new LinkedHashMap<>();
        long total = 0;
        for (var e : recorders.entrySet()) {
            Histogram h = e.getValue().getIntervalHistogram();
            byRoute.put(e.getKey(), h);
            total += h.getTotalCount();
        }
        http.close();
        return new Run(total / elapsed, byRoute, cached.getIntervalHistogram(), hits, misses, errors);
    }

    /** HGETALL of score hashes straight on Redis, {@code clients} virtual threads on one Lettuce connection. */
    private static double rawHgetall(Fixture fx, List<String> orgs, int clients, int seconds) throws Exception {
        RedisClient client = RedisClient.create(fx.infra.redisUri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            LongAdder done = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                SplittableRandom random = new SplittableRandom(i);
                threads.add(Thread.ofVirtual().start(() -> {
                    while (!stop.get()) {
                        c.sync().hgetall(fx.redisPrefix + "{" + orgs.get(random.nextInt(orgs.size())) + "/" + Fixture.FW + "}:score");
                        done.increment();
                    }
                }));
            }
            Thread.sleep(1000); // warm-up
            long before = done.sum();
            long start = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            double rate = (done.sum() - before) / ((System.nanoTime() - start) / 1e9);
            stop.set(true);
            for (Thread t : threads) t.join();
            System.out.printf("raw HGETALL: %.0f/s with %d concurrent callers%n", rate, clients);
            return rate;
        } finally {
            client.shutdown();
        }
    }

    private static double[] zipfCdf(int n, double s) {
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, s);
            cdf[i] = sum;
        }
        for (int i = 0; i < n; i++) cdf[i] /= sum;
        return cdf;
    }

    private static int zipf(double[] cdf, double u) {
        int i = java.util.Arrays.binarySearch(cdf, u);
        return Math.min(cdf.length - 1, i >= 0 ? i : -i - 1);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("options are --name value, got " + args[i]);
            o.put(args[i].substring(2), args[i + 1]);
        }
        return o;
    }
}
