package io.mcpcloud.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;
import org.neo4j.server.configuration.ServerSettings;

/**
 * Real in-process Neo4j (community, via neo4j-harness) for local development and CI.
 *
 * <p>Usage: {@code LocalNeo4j [boltAddress] [homeDir]}; defaults come from the environment
 * variables NEO4J_BOLT_ADDRESS (127.0.0.1:7687) and NEO4J_HOME_DIR (.data/neo4j). The HTTP
 * connector, which serves the Neo4j Browser at /browser/, is off unless NEO4J_HTTP_ADDRESS is
 * set (scripts/infra.sh sets 127.0.0.1:7474). Auth is disabled (any credentials work).
 *
 * <p>The harness always runs from a random throw-away folder; we point {@code neo4j_home} at
 * homeDir instead, so the store (homeDir/data) and logs (homeDir/logs) persist across restarts.
 */
public final class LocalNeo4j {
    public static void main(String[] args) throws Exception {
        String bolt = arg(args, 0, "NEO4J_BOLT_ADDRESS", "127.0.0.1:7687");
        Path home = Path.of(arg(args, 1, "NEO4J_HOME_DIR", ".data/neo4j")).toAbsolutePath().normalize();
        String http = System.getenv("NEO4J_HTTP_ADDRESS");
        long pageCacheMb = Long.parseLong(arg(args, 2, "NEO4J_PAGECACHE_MB", "128"));

        Path scratch = home.resolve("run");
        deleteRecursively(scratch); // leftovers of a killed run
        Files.createDirectories(scratch);

        Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder(scratch)
                .withConfig(GraphDatabaseSettings.neo4j_home, home)
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                .withConfig(GraphDatabaseSettings.pagecache_memory, pageCacheMb * 1024 * 1024)
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, parse(bolt))
                .withConfig(BoltConnector.advertised_address, parse(bolt));
        if (http == null || http.isBlank()) {
            builder.withDisabledServer();
        } else {
            // The Neo4j Browser (neo4j-browser on the classpath) is served at /browser/. It sends no
            // usage data and fetches guides from nowhere but this machine.
            builder.withConfig(HttpConnector.enabled, true).withConfig(HttpConnector.listen_address, parse(http))
                    .withConfig(ServerSettings.allow_telemetry, false)
                    .withConfig(ServerSettings.browser_remote_content_hostname_whitelist, "localhost");
        }

        Neo4j neo4j = builder.build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j stopping");
            try {
                neo4j.close();
            } finally {
                System.out.println("neo4j stopped");
                System.out.flush();
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        System.out.println("neo4j ready bolt://" + bolt + " home=" + home
                + (http == null || http.isBlank() ? "" : " http=" + neo4j.httpURI()));
        System.out.flush();
        stopped.await(); // until SIGTERM/SIGINT runs the shutdown hook
    }

    private static String arg(String[] args, int i, String env, String dflt) {
        if (args.length > i && !args[i].isBlank()) return args[i];
        String v = System.getenv(env);
        return v == null || v.isBlank() ? dflt : v;
    }

    private static SocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new SocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) Files.delete(p);
        }
    }
}
