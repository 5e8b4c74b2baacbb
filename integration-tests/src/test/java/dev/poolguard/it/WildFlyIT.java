package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.testapp.BlackholeProxy;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * WildFly's datasources (IronJacamar) with the agent in {@code JAVA_OPTS} and nothing else, on PostgreSQL and
 * MariaDB, each behind a proxy that can go silent: for each WildFly release, one server with the agent and one
 * without, each through every fault in turn (sessions killed, the database restarted, connections past their
 * lifetime, a long hold, connections gone silent), a datasource with WildFly's defaults (no validation). Each
 * fault is followed by requests to a JSP that borrows, runs {@code SELECT 1} and returns, on a 6 s deadline.
 * With the agent every one must succeed in time, with {@code preping.dead} for that datasource and no
 * {@code hook.failed} anywhere; without it, what the pool does is recorded and the
 * failures the agent exists for are asserted. The table of both goes to target/wildfly-reliability.md.
 */
class WildFlyIT {
    private static final Pattern HOST_PORT = Pattern.compile("(jdbc:[a-z]+://)([^/:]+):(\\d+)/");
    /** Idle longer than the agent's pre-ping threshold (500 ms), well inside the max lifetime below. */
    private static final long IDLE_MS = 800;
    private static final long MAX_LIFETIME_MS = 5000;
    private static final long HOLD_MS = 1600;
    private static final int PARALLEL = 4;
    private static final Map<String, String> FLAGS = new HashMap<>(AgentExpectations.FAULT_FLAGS);

    static {
        FLAGS.put("POOLGUARD_MAX_LIFETIME", (MAX_LIFETIME_MS / 1000) + "s"); // kill and restart then meet live leases
    }

    private enum Fault {
        KILL("server kills every session", true),
        RESTART("server restart, after it is back", true),
        RECYCLE("connections past their lifetime (5 s)", false),
        HOLD("a request holds its connection 1.6 s", false),
        SILENT_DROP("silent drop (proxy black-holes)", true),
        /** Two requests hold both connections of a pool of 2 while a third waits its 1 s blocking timeout out. */
        EXHAUST("pool exhausted: 3 requests on a pool of 2, each holding 2.5 s", false);

        final String label;
        /** Whether the server without the agent goes through it too: recycling and hold.long are the agent's alone. */
        final boolean withoutAgent;

        Fault(String label, boolean withoutAgent) {
            this.label = label;
            this.withoutAgent = withoutAgent;
        }
    }

    /** Every result of the class, by "version datasource agent", for {@link #report}. */
    private static final Map<String, Result> RESULTS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * One datasource per fault, on its own database behind its own proxy, so that each fault meets a pool no earlier
     * fault touched (without validation IronJacamar keeps a dead connection for good). The validating ones have
     * WildFly's PostgreSQL checker with {@code validate-on-match}: IronJacamar then checks each connection it hands out.
     */
    private record Target(String name, Db db, boolean validating, Fault fault) {}

    private static final List<Target> TARGETS = targets();

    private static List<Target> targets() {
        List<Target> targets = new ArrayList<>();
        for (Db db : Db.values()) {
            for (Fault fault : Fault.values()) {
                if (fault != Fault.EXHAUST || db == Db.POSTGRES) {
                    targets.add(new Target(db.label + "-" + fault.name().toLowerCase().replace('_', '-') + "-ds", db,
                            false, fault));
                }
            }
        }
        targets.add(new Target("postgres-validating-kill-ds", Db.POSTGRES, true, Fault.KILL));
        targets.add(new Target("postgres-validating-silent-drop-ds", Db.POSTGRES, true, Fault.SILENT_DROP));
        return targets;
    }

    /** What one fault's requests got, and the agent's lines meanwhile. */
    private record Result(String server, Target target, Fault fault, List<WildFly.Outcome> outcomes,
                          List<String> lines) {
        long failed() {
            return outcomes.stream().filter(o -> !o.ok()).count();
        }

        long maxMillis() {
            return outcomes.stream().mapToLong(WildFly.Outcome::millis).max().orElse(0);
        }

        boolean logged(String event) {
            return lines.stream().anyMatch(l -> l.contains("] " + event + " " + target.name + " "));
        }

        String describe() {
            return server + " " + target.name + " " + fault + ": " + outcomes + "\n  " + String.join("\n  ", lines);
        }
    }

    /**
     * One server's results and every agent line it printed; without the agent, what requests got after it was
     * attached, and the agent's lines and the server's output from then on.
     */
    private record Run(List<Result> results, List<String> lines, List<WildFly.Outcome> attached,
                       List<String> attachLines, String attachOutput) {}

    /**
     * Attached to the running server, the agent is too late to add its package to JBoss Modules' system packages:
     * it must then leave WildFly's modules alone instead of weaving advice they cannot link. Requests to a datasource
     * that has not served yet (its pool and driver classes are loaded already), and to WildFly's own H2 one.
     */
    private static List<WildFly.Outcome> attachedLate(WildFly server) throws Exception {
        server.attachAgent();
        Thread.sleep(3000); // the agent weaves the loaded classes on the attach listener's thread
        List<WildFly.Outcome> outcomes = new ArrayList<>(server.requests("postgres-hold-ds", PARALLEL, 0));
        outcomes.addAll(server.requests("ExampleDS", 2, 0));
        return outcomes;
    }

    @Test
    void withTheAgentEveryRequestAfterAFaultSucceedsInTime() throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String version : ItSettings.wildflyVersions()) {
            Run run = run(version, true);
            for (Result r : run.results) {
                long expectedFailures = r.fault == Fault.EXHAUST ? 1 : 0; // the pool's own timeout reaches the app
                checks.add(() -> assertEquals(expectedFailures, r.failed(), () -> "requests failed or missed the"
                        + " deadline with the agent: " + r.describe()));
                switch (r.fault) {
                    case KILL, RESTART, SILENT_DROP -> checks.add(() -> assertTrue(r.logged("preping.dead"),
                            () -> "no preping.dead: " + r.describe()));
                    case RECYCLE -> checks.add(() -> assertTrue(r.logged("recycle"), () -> "no recycle: " + r.describe()));
                    case HOLD -> checks.add(() -> assertTrue(r.logged("hold.long")
                                    && r.lines.stream().anyMatch(l -> l.contains("db_jsp._jspService")),
                            () -> "expected a hold.long naming the JSP as the borrow site: " + r.describe()));
                    case EXHAUST -> checks.add(() -> assertTrue(r.logged("pool.exhausted")
                                    && r.lines.stream().anyMatch(l -> l.contains("max=2 leased=2")),
                            () -> "expected a pool.exhausted naming both holders: " + r.describe()));
                }
            }
            List<String> holds = run.lines.stream().filter(l -> l.contains("] hold.long ") && !l.contains("-exhaust-ds"))
                    .toList();
            checks.add(() -> assertEquals(2, holds.size(), () -> "WildFly " + version + ": one"
                    + " hold.long per held request, none for idle pooled connections: " + holds));
            checks.add(() -> assertEquals(List.of(), run.lines.stream().filter(l -> l.contains("hook.failed")).toList(),
                    () -> "WildFly " + version));
            checks.add(() -> assertTrue(run.lines.stream().anyMatch(l -> l.contains("agent.started")
                    && l.contains("ironjacamar")), () -> "WildFly " + version + ": " + run.lines));
        }
        assertAll(checks);
    }

    /**
     * Without validation IronJacamar hands out the connections the kill and the restart ended (the requests fail),
     * and a silent connection's query waits on the socket past the deadline; with {@code validate-on-match} it
     * replaces the killed ones itself, but its check of a silent one waits as long. Then the agent is attached to
     * the running server: it leaves WildFly's modules alone, and requests go on succeeding.
     */
    @Test
    void withoutTheAgentStaleConnectionsReachTheApplication() throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String version : ItSettings.wildflyVersions()) {
            Run run = run(version, false);
            for (Result r : run.results) {
                if (r.fault == Fault.KILL && r.target.validating) {
                    checks.add(() -> assertEquals(0, r.failed(), () -> "validate-on-match: " + r.describe()));
                } else if (r.fault == Fault.KILL || r.fault == Fault.RESTART || r.fault == Fault.SILENT_DROP) {
                    checks.add(() -> assertTrue(r.failed() > 0, () -> "expected failed requests: " + r.describe()));
                }
            }
            checks.add(() -> assertEquals(List.of(), run.lines, "agent lines before the agent was attached"));
            checks.add(() -> assertTrue(run.attached.stream().allMatch(WildFly.Outcome::ok), () -> "WildFly " + version
                    + ", agent attached to the running server: " + run.attached + "\n" + String.join("\n",
                    run.attachLines)));
            checks.add(() -> assertTrue(run.attachLines.stream().anyMatch(l -> l.contains("adapter.skipped all")),
                    () -> "WildFly " + version + ", attached: " + run.attachLines));
            checks.add(() -> assertFalse(run.attachOutput.contains("NoClassDefFoundError")
                    || run.attachOutput.contains("hook.failed"), () -> "WildFly " + version + ", attached: see "
                    + run.attachOutput.lines()
                            .filter(l -> l.contains("NoClassDefFoundError") || l.contains("hook.failed")).toList()));
        }
        assertAll(checks);
    }

    private Run run(String version, boolean agent) throws Exception {
        String name = "wf" + version.replaceAll("\\..*", "") + (agent ? "_agent" : "_plain");
        Map<Target, BlackholeProxy> proxies = new LinkedHashMap<>();
        Map<Target, String> databases = new LinkedHashMap<>();
        List<WildFly.Datasource> datasources = new ArrayList<>();
        try {
            for (Target t : TARGETS) {
                String database = name + "_" + t.name.substring(0, t.name.length() - 3);
                Matcher m = HOST_PORT.matcher(t.db.jdbcUrl(database));
                assertTrue(m.lookingAt(), t.db + " URL");
                BlackholeProxy proxy = BlackholeProxy.start(m.group(2), Integer.parseInt(m.group(3)));
                proxies.put(t, proxy);
                databases.put(t, database);
                boolean exhaust = t.fault == Fault.EXHAUST;
                datasources.add(new WildFly.Datasource(t.name, m.replaceFirst("$1127.0.0.1:" + proxy.port() + "/"),
                        t.validating, exhaust ? 2 : 6, exhaust ? 1000 : 5000));
            }
            List<String> javaOpts = new ArrayList<>(List.of("-Xms64m", "-Xmx512m", "-Djava.net.preferIPv4Stack=true"));
            if (agent) {
                javaOpts.add("-javaagent:" + ItSettings.agentJar());
            }
            List<Result> results = new ArrayList<>();
            long started = System.nanoTime();
            try (WildFly server = WildFly.start(version, name, datasources, javaOpts, agent ? FLAGS : Map.of())) {
                System.out.printf("[it] WildFly %s (%s) up in %d ms%n", version, agent ? "agent" : "no agent",
                        (System.nanoTime() - started) / 1_000_000);
                String label = "WildFly " + version + (agent ? " with agent" : " without");
                for (Target t : TARGETS) {
                    if (agent || t.fault.withoutAgent) {
                        results.add(fault(server, label, t, t.fault, proxies.get(t), databases.get(t), agent));
                    }
                }
                results.forEach(r -> RESULTS.put(version + " " + r.target.name + " " + agent, r));
                List<String> lines = server.agentLinesSince(0);
                long mark = server.mark();
                List<WildFly.Outcome> attached = agent ? List.of() : attachedLate(server);
                return new Run(results, lines, attached, server.agentLinesSince(mark), server.outputSince(mark));
            }
        } finally {
            for (BlackholeProxy p : proxies.values()) {
                p.close();
            }
        }
    }

    private Result fault(WildFly server, String label, Target target, Fault fault, BlackholeProxy proxy,
                         String database, boolean agent) throws Exception {
        String ds = target.name;
        Db db = target.db;
        List<WildFly.Outcome> warm = server.requests(ds, PARALLEL, 300); // the pool opens PARALLEL connections
        long mark = server.mark();
        List<WildFly.Outcome> outcomes = new ArrayList<>();
        switch (fault) {
            case KILL -> {
                Thread.sleep(IDLE_MS);
                killSessions(db, database);
            }
            case RESTART -> db.use(true, () -> {
                db.restart(500);
                return null;
            });
            case RECYCLE -> Thread.sleep(MAX_LIFETIME_MS + 500);
            case HOLD -> outcomes.addAll(server.requests(ds, 1, HOLD_MS));
            case EXHAUST -> outcomes.addAll(server.requests(ds, 3, 2500));
            case SILENT_DROP -> {
                Thread.sleep(IDLE_MS);
                proxy.blackholeExisting();
            }
        }
        if (fault != Fault.HOLD && fault != Fault.EXHAUST) {
            Thread.sleep(fault == Fault.RESTART ? IDLE_MS : 0);
            outcomes.addAll(server.requests(ds, PARALLEL, 0));
            outcomes.addAll(server.requests(ds, 1, 0));
            outcomes.addAll(server.requests(ds, 1, 0));
        }
        Thread.sleep(agent && (fault == Fault.HOLD || fault == Fault.EXHAUST) ? 200 : 0); // hold.returned follows
        Result r = new Result(label, target, fault, outcomes, server.agentLinesSince(mark));
        System.out.println("[it] " + r.describe() + "\n  warm-up: " + warm);
        return r;
    }

    /** Ends every session of the run's database but the admin's own. */
    private static void killSessions(Db db, String database) throws SQLException {
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl(database));
             Statement s = admin.createStatement()) {
            if (db == Db.POSTGRES) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
                return;
            }
            List<Long> ids = new ArrayList<>();
            try (ResultSet rows = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST"
                    + " WHERE ID <> CONNECTION_ID() AND DB = DATABASE()")) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
            for (long id : ids) {
                try {
                    s.execute("KILL " + id);
                } catch (SQLException e) {
                    // ended by itself between the listing and the kill
                }
            }
        }
    }

    /**
     * Writes target/wildfly-reliability.md, kept in docs/reliability.md: per datasource and fault, failed requests
     * with the agent / without it, and the longest request with the agent, per WildFly release.
     */
    @AfterAll
    static void report() throws Exception {
        List<String> versions = ItSettings.wildflyVersions();
        StringBuilder b = new StringBuilder("| datasource | fault |");
        versions.forEach(v -> b.append(" WildFly ").append(v).append(" |"));
        b.append("\n|---|---|").append("---|".repeat(versions.size())).append('\n');
        for (Target t : TARGETS) {
            if (t.fault == Fault.EXHAUST) {
                continue; // not a fault of the connections: the pool's own timeout, which the agent only explains
            }
            b.append("| ").append(t.db).append(t.validating ? ", `validate-on-match`" : "").append(" | ")
                    .append(t.fault.label).append(" |");
            for (String v : versions) {
                b.append(' ').append(cell(t, RESULTS.get(v + " " + t.name + " true"),
                        RESULTS.get(v + " " + t.name + " false"))).append(" |");
            }
            b.append('\n');
        }
        Files.writeString(ItSettings.workDir().resolveSibling("wildfly-reliability.md"), b);
    }

    /** "failed with / failed without of requests (max ms with)"; – for a fault only the agent's run goes through. */
    private static String cell(Target t, Result with, Result without) {
        if (with == null) {
            return "n/a";
        }
        String other = without != null ? String.valueOf(without.failed()) : t.fault.withoutAgent ? "n/a" : "–";
        return with.failed() + " / " + other + " of " + with.outcomes.size() + " (max " + with.maxMillis() + ")";
    }
}
