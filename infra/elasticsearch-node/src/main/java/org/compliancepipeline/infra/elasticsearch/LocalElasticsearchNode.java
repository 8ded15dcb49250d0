package org.compliancepipeline.infra.elasticsearch;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Starts one real Elasticsearch node from a plain {@code main}, for machines without Docker.
 *
 * <p>The server comes from Maven Central and runs on this JVM's class path; the node's home holds what the server
 * loads itself: {@code config/} (log4j2.properties, elasticsearch.yml), {@code modules/transport-netty4},
 * {@code plugins/compliance-local} (the project's stand-in for rest-root and analysis-common), {@code data/},
 * {@code logs/}, {@code tmp/}. ES's own CLI launcher, its root check, bootstrap checks and entitlement agent are not used,
 * so it also runs as root. {@code infra/components/elasticsearch.sh} assembles the home and starts this class.
 *
 * <p>Options, as {@code --name=value} arguments or as system properties {@code pipeline.elasticsearch.<name>}:
 * <ul>
 *   <li>{@code home} (required): the node's home directory;</li>
 *   <li>{@code http-port} (default 9200), {@code transport-port} (default 9300);</li>
 *   <li>{@code node-name} (default {@code local-1}), {@code cluster-name} (default {@code compliance-local}).</li>
 * </ul>
 * SIGTERM (or Ctrl-C) closes the node cleanly: prepareForClose, close, awaitClose.
 */
public final class LocalElasticsearchNode {

    public static final String CLUSTER_NAME = "compliance-local";

    private LocalElasticsearchNode() {}

    public static void main(String[] args) {
        // before anything touches log4j: the node closes logging itself, after the node (as the ES launcher does)
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("log4j2.formatMsgNoLookups", "true");

        Map<String, String> options;
        try {
            options = options(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println(
                "usage: LocalElasticsearchNode --home=<dir> [--http-port=9200] [--transport-port=9300] "
                    + "[--node-name=local-1] [--cluster-name=" + CLUSTER_NAME + "]"
            );
            System.exit(2);
            return;
        }

        Node node;
        try {
            node = start(options);
        } catch (Throwable t) {
            System.err.println("error: Elasticsearch node failed to start");
            t.printStackTrace(System.err);
            System.err.flush();
            Runtime.getRuntime().halt(1); // no shutdown hooks: nothing to close cleanly
            return;
        }

        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node, closed), "local-elasticsearch-shutdown"));
        try {
            closed.await(); // the node's own threads are daemons: this keeps the JVM alive until shutdown
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Node start(Map<String, String> options) throws Exception {
        Path home = Path.of(options.get("home")).toAbsolutePath().normalize();
        int httpPort = Integer.parseInt(options.getOrDefault("http-port", "9200"));
        int transportPort = Integer.parseInt(options.getOrDefault("transport-port", "9300"));
        String nodeName = options.getOrDefault("node-name", "local-1");
        String clusterName = options.getOrDefault("cluster-name", CLUSTER_NAME);
        for (String dir : new String[] { "config", "modules", "plugins", "data", "logs", "tmp" }) {
            Files.createDirectories(home.resolve(dir));
        }

        LogConfigurator.registerErrorListener();
        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", transportPort)
            .put("discovery.type", "single-node")
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("node.name", nodeName)
            .put("cluster.name", clusterName)
            .build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings,
            Map.of(),
            home.resolve("config"),
            () -> nodeName
        );
        LogConfigurator.setClusterName(clusterName);
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configure(environment, true);
        Logger logger = LogManager.getLogger(LocalElasticsearchNode.class);

        PluginsLoader pluginsLoader = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(environment.modulesDir(), false),
            PluginsLoader.loadPluginsBundles(environment.pluginsDir(), false),
            Map.of(),
            false // the server is not a Java module here: no qualified exports to add
        );
        Node node = new Node(environment, pluginsLoader);
        node.start();
        logger.info(
            "local Elasticsearch node [{}] of cluster [{}] started: http://127.0.0.1:{} (transport {}), home {}",
            nodeName,
            clusterName,
            httpPort,
            transportPort,
            home
        );
        return node;
    }

    private static void stop(Node node, CountDownLatch closed) {
        Logger logger = LogManager.getLogger(LocalElasticsearchNode.class);
        try {
            logger.info("stopping the local Elasticsearch node");
            node.prepareForClose();
            node.close();
            if (node.awaitClose(30, TimeUnit.SECONDS) == false) {
                logger.warn("node did not close within 30s; outstanding requests or tasks may have been cut");
            } else {
                logger.info("local Elasticsearch node stopped");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            logger.error("failure while stopping the node", e);
        } finally {
            Configurator.shutdown((LoggerContext) LogManager.getContext(false));
            closed.countDown();
        }
    }

    /** {@code --name=value} / {@code --name value} arguments over {@code pipeline.elasticsearch.<name>} properties. */
    static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String name : new String[] { "home", "http-port", "transport-port", "node-name", "cluster-name" }) {
            String value = System.getProperty("pipeline.elasticsearch." + name);
            if (value != null && value.isBlank() == false) {
                options.put(name, value.trim());
            }
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.startsWith("--") == false) {
                throw new IllegalArgumentException("unexpected argument [" + arg + "]");
            }
            String name;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                name = arg.substring(2);
                value = args[++i];
            } else {
                throw new IllegalArgumentException("argument [" + arg + "] needs a value");
            }
            switch (name) {
                case "home", "http-port", "transport-port", "node-name", "cluster-name" -> options.put(name, value);
                default -> throw new IllegalArgumentException("unknown option [--" + name + "]");
            }
        }
        if (options.containsKey("home") == false) {
            throw new IllegalArgumentException("the node's home directory is required (--home=<dir>)");
        }
        for (String port : new String[] { "http-port", "transport-port" }) {
            if (options.containsKey(port)) {
                try {
                    Integer.parseInt(options.get(port));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--" + port + " must be a number, was [" + options.get(port) + "]");
                }
            }
        }
        return options;
    }
}
