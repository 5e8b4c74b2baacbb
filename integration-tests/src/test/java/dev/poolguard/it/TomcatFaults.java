package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.testapp.BlackholeProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One configuration of {@link TomcatServerIT}: a Tomcat version, with or without the agent, started once, and every
 * fault on every database against it, one after the other: the server kills the pool's sessions, a proxy silently
 * stops forwarding, the server restarts. Each fault follows a warm-up that leaves {@link #CONCURRENT} idle
 * connections in the pool, and {@link #IDLE_MS} of idleness; then {@link #WAVES} waves of {@link #CONCURRENT}
 * requests, each with a {@link #DEADLINE}. The run holds both servers to itself, because it restarts them.
 */
final class TomcatFaults {
    enum Fault {
        KILL("server kills every session"),
        DROP("silent drop (proxy black-holes)"),
        RESTART("server restart, after it is back");

        final String label;

        Fault(String label) {
            this.label = label;
        }
    }

    /**
     * The requests after one fault: failed of total, the longest request and the longest borrow (ms); after the
     * silent drop, how many of Tomcat's threads were still inside the pool's validation of a connection.
     */
    record Outcome(int failed, int total, long maxRequestMs, long maxBorrowMs, String firstError,
                   List<String> agentLines, int stuckInValidation) {
        Outcome stuck(int threads) {
            return new Outcome(failed, total, maxRequestMs, maxBorrowMs, firstError, agentLines, threads);
        }

        @Override
        public String toString() {
            return failed + " of " + total + " failed, max request " + maxRequestMs + " ms, max borrow " + maxBorrowMs
                    + " ms, " + stuckInValidation + " threads in the pool's validation"
                    + (firstError == null ? "" : ", first error: " + firstError) + "; agent lines:\n  "
                    + String.join("\n  ", agentLines);
        }
    }

    /**
     * A configuration's results: per database and fault; the whole log; the agent's pool MBeans; the ports Tomcat
     * listened on and the one it was given.
     */
    record Run(String name, Map<Db, Map<Fault, Outcome>> outcomes, List<String> log, List<String> mbeans,
               Set<String> listening, int httpPort) {
        Outcome outcome(Db db, Fault fault) {
            return outcomes.get(db).get(fault);
        }

        List<AgentEvent> events(String type) {
            return log.stream().filter(AgentEvent::starts).map(AgentEvent::parse).filter(e -> e.type.equals(type))
                    .toList();
        }

        List<String> agentLines() {
            return log.stream().filter(l -> l.contains("[poolguard]")).toList();
        }
    }

    static final Duration DEADLINE = Duration.ofSeconds(6);
    static final int CONCURRENT = 4;
    static final int WAVES = 2;
    /** Past the agent's 500 ms just-used window, as after a real pause. */
    static final long IDLE_MS = 700;
    static final long DOWN_MS = 2000;
    /** The flags of FaultMatrixIT's runs: a 1 s ping timeout, long holds reported after 1 s. */
    static final Map<String, String> FLAGS = Map.of("POOLGUARD_PREPING_TIMEOUT", "1s", "POOLGUARD_HOLD_WARN", "1s");

    private static final Pattern HOST_PORT = Pattern.compile("//([^:/]+):(\\d+)/");
    private static final Pattern QUERY_PARAM = Pattern.compile("([^=&]+)=([^&]*)");
    private static final Pattern BORROW_MS = Pattern.compile("borrow_ms=(\\d+)");

    private TomcatFaults() {}

    static Run run(String version, boolean agent) {
        String name = "TomcatServerIT-" + version + (agent ? "-agent" : "-no-agent");
        return Db.POSTGRES.use(true, () -> Db.MARIADB.use(true, () -> runHoldingServers(name, version, agent)));
    }

    private static Run runHoldingServers(String name, String version, boolean agent) {
        Map<String, String> properties = new LinkedHashMap<>();
        Map<Db, BlackholeProxy> proxies = new EnumMap<>(Db.class);
        Map<Db, String> databases = new EnumMap<>(Db.class);
        try {
            for (Db db : Db.values()) {
                String url = db.jdbcUrl(name);
                databases.put(db, url.substring(url.lastIndexOf('/') + 1, url.indexOf('?')));
                proxies.put(db, connectionProperties(db, url, properties));
            }
            Map<String, String> env = agent ? FLAGS : Map.of();
            long started = System.nanoTime();
            try (TomcatServer tomcat = TomcatServer.start(name, version, agent, properties, env)) {
                Map<Db, Map<Fault, Outcome>> outcomes = new EnumMap<>(Db.class);
                for (Db db : Db.values()) {
                    Map<Fault, Outcome> byFault = new EnumMap<>(Fault.class);
                    byFault.put(Fault.KILL, kill(tomcat, db, databases.get(db)));
                    byFault.put(Fault.DROP, drop(tomcat, db, proxies.get(db)));
                    byFault.put(Fault.RESTART, restart(tomcat, db));
                    outcomes.put(db, byFault);
                }
                TomcatServer.Response mbeans = tomcat.getNow("/app/mbeans.jsp?attributes=Adapter,DeadFound", DEADLINE);
                assertTrue(mbeans.ok(), mbeans::body);
                List<String> mbeanLines = mbeans.body().lines().filter(l -> !l.isBlank()).toList();
                System.out.printf("[it] %s: faults done %.1f s after the start; MBeans %s; %s%n", tomcat,
                        (System.nanoTime() - started) / 1e9, mbeanLines, outcomes);
                return new Run(name, outcomes, tomcat.lines(), mbeanLines, tomcat.listeningPorts(), tomcat.port());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            proxies.values().forEach(TomcatFaults::closeQuietly);
        }
    }

    private static Outcome kill(TomcatServer tomcat, Db db, String database) {
        warmUp(tomcat, db.label);
        int killed = killSessions(db, database);
        assertEquals(CONCURRENT, killed, () -> tomcat + ": sessions of " + database + " killed on " + db);
        return requests(tomcat, db.label, tomcat.lines().size());
    }

    private static Outcome drop(TomcatServer tomcat, Db db, BlackholeProxy proxy) throws IOException {
        String ds = db.label + "-proxied";
        warmUp(tomcat, ds);
        proxy.blackholeExisting();
        Outcome outcome = requests(tomcat, ds, tomcat.lines().size());
        int stuck = (int) Stream.of(tomcat.threadDump().split("\n\n"))
                .filter(thread -> thread.contains(".dbcp2.PoolableConnection.validate(")).count();
        // Frees Tomcat's threads that still wait on a dropped connection (without the agent they wait forever).
        proxy.close();
        return outcome.stuck(stuck);
    }

    private static Outcome restart(TomcatServer tomcat, Db db) {
        warmUp(tomcat, db.label);
        int from = tomcat.lines().size();
        db.restart(DOWN_MS);
        TomcatServer.sleep(IDLE_MS);
        return requests(tomcat, db.label, from);
    }

    /**
     * The system properties the context.xml reads for {@code db}: its URL without user and password, which come
     * apart, as in most deployments; and the URL of a proxy to it, which this starts and returns.
     */
    private static BlackholeProxy connectionProperties(Db db, String url, Map<String, String> properties)
            throws IOException {
        int query = url.indexOf('?');
        Map<String, String> params = params(url.substring(query + 1));
        String plain = url.substring(0, query);
        Matcher hostPort = HOST_PORT.matcher(plain);
        assertTrue(hostPort.find(), plain);
        BlackholeProxy proxy = BlackholeProxy.start(hostPort.group(1), Integer.parseInt(hostPort.group(2)));
        properties.put("it.db." + db + ".url", plain);
        properties.put("it.db." + db + ".proxied.url",
                hostPort.replaceFirst("//" + proxy.host() + ":" + proxy.port() + "/"));
        properties.put("it.db." + db + ".user", params.get("user"));
        properties.put("it.db." + db + ".password", params.getOrDefault("password", ""));
        // catalina.sh passes CATALINA_OPTS through eval: nothing the shell would read.
        properties.values().forEach(v -> assertTrue(v.matches("[\\w:/.@-]*"), "unsafe for catalina.sh: " + v));
        return proxy;
    }

    /** {@link #CONCURRENT} requests that keep their connections a while: as many idle connections, then idleness. */
    private static void warmUp(TomcatServer tomcat, String ds) {
        for (TomcatServer.Response r : wave(tomcat, "/app/query.jsp?hold_ms=600&ds=" + ds)) {
            assertTrue(r.ok(), () -> tomcat + ": warm-up of " + ds + " failed: " + r.body());
        }
        TomcatServer.sleep(IDLE_MS);
    }

    private static Outcome requests(TomcatServer tomcat, String ds, int fromLine) {
        List<TomcatServer.Response> responses = new ArrayList<>();
        for (int i = 0; i < WAVES; i++) {
            responses.addAll(wave(tomcat, "/app/query.jsp?ds=" + ds));
        }
        List<String> lines = tomcat.lines();
        int failed = (int) responses.stream().filter(r -> !r.ok()).count();
        return new Outcome(failed, responses.size(),
                responses.stream().mapToLong(TomcatServer.Response::millis).max().orElse(0),
                responses.stream().filter(TomcatServer.Response::ok).mapToLong(TomcatFaults::borrowMs).max().orElse(0),
                responses.stream().filter(r -> !r.ok()).map(TomcatServer.Response::body).findFirst().orElse(null),
                lines.subList(fromLine, lines.size()).stream().filter(l -> l.contains("[poolguard]")).toList(), 0);
    }

    private static List<TomcatServer.Response> wave(TomcatServer tomcat, String path) {
        List<CompletableFuture<TomcatServer.Response>> wave = new ArrayList<>();
        for (int i = 0; i < CONCURRENT; i++) {
            wave.add(tomcat.get(path, DEADLINE));
        }
        return wave.stream().map(CompletableFuture::join).toList();
    }

    private static long borrowMs(TomcatServer.Response r) {
        Matcher m = BORROW_MS.matcher(r.body());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** Ends every session of {@code database} from an admin connection; returns how many. */
    private static int killSessions(Db db, String database) {
        String list = db == Db.POSTGRES
                ? "SELECT pid FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()"
                : "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> connection_id()";
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl());
             PreparedStatement sessions = admin.prepareStatement(list);
             Statement kill = admin.createStatement()) {
            sessions.setString(1, database);
            List<Long> ids = new ArrayList<>();
            try (ResultSet rs = sessions.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            for (long id : ids) {
                kill.execute(db == Db.POSTGRES ? "SELECT pg_terminate_backend(" + id + ")" : "KILL " + id);
            }
            return ids.size();
        } catch (SQLException e) {
            throw new IllegalStateException("could not kill the sessions of " + database + " on " + db, e);
        }
    }

    private static Map<String, String> params(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        Matcher m = QUERY_PARAM.matcher(query);
        while (m.find()) {
            params.put(m.group(1), m.group(2));
        }
        assertTrue(params.keySet().stream().allMatch(k -> k.equals("user") || k.equals("password")),
                () -> "a URL option besides user and password: " + query);
        return params;
    }

    private static void closeQuietly(BlackholeProxy proxy) {
        try {
            proxy.close();
        } catch (IOException ignored) {
            // the run is over either way
        }
    }
}
