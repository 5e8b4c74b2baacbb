package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.testapp.BlackholeProxy;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * WildFly's datasources (IronJacamar) with the agent in {@code JAVA_OPTS} and nothing else, on PostgreSQL and
 * MariaDB, each behind a proxy that can go silent: for each WildFly release, one server with the agent and one
 * without, each through every fault in turn (sessions killed, the database restarted, connections past their
 * lifetime, a long hold, connections gone silent), a datasource with WildFly's defaults (no validation). Each
 * fault is followed by requests to a JSP that borrows, runs {@code SELECT 1} and returns, on a 6 s deadline.
 * With the agent every one must succeed in time, with {@code preping.dead} for that datasource and no
 * {@code hook.failed} anywhere; without it, what the pool does is recorded (target/wildfly-report.md) and the
 * failures the agent exists for are asserted.
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

    private enum Fault { KILL, RESTART, RECYCLE, HOLD, SILENT_DROP }

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
                targets.add(new Target(db.label + "-" + fault.name().toLowerCase().replace('_', '-') + "-ds", db,
                        false, fault));
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

    /** One server's results, and every agent line it printed. */
    private record Run(List<Result> results, List<String> lines) {}

    @Test
    void withTheAgentEveryRequestAfterAFaultSucceedsInTime() throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String version : ItSettings.wildflyVersions()) {
            Run run = run(version, true);
            for (Result r : run.results) {
                checks.add(() -> assertEquals(0, r.failed(), () -> "requests failed or missed the deadline with the"
                        + " agent: " + r.describe()));
                switch (r.fault) {
                    case KILL, RESTART, SILENT_DROP -> checks.add(() -> assertTrue(r.logged("preping.dead"),
                            () -> "no preping.dead: " + r.describe()));
                    case RECYCLE -> checks.add(() -> assertTrue(r.logged("recycle"), () -> "no recycle: " + r.describe()));
                    case HOLD -> checks.add(() -> assertTrue(r.logged("hold.long")
                                    && r.lines.stream().anyMatch(l -> l.contains("db_jsp._jspService")),
                            () -> "expected a hold.long naming the JSP as the borrow site: " + r.describe()));
                }
            }
            List<String> holds = run.lines.stream().filter(l -> l.contains("] hold.long ")).toList();
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
     * replaces the killed ones itself, but its check of a silent one waits as long.
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
            checks.add(() -> assertEquals(List.of(), run.lines, "agent lines without the agent"));
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
                datasources.add(new WildFly.Datasource(t.name, m.replaceFirst("$1127.0.0.1:" + proxy.port() + "/"),
                        t.validating));
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
                    results.add(fault(server, label, t, t.fault, proxies.get(t), databases.get(t), agent));
                }
                report(results);
                return new Run(results, server.agentLinesSince(0));
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
            case SILENT_DROP -> {
                Thread.sleep(IDLE_MS);
                proxy.blackholeExisting();
            }
        }
        if (fault != Fault.HOLD) {
            Thread.sleep(fault == Fault.RESTART ? IDLE_MS : 0);
            outcomes.addAll(server.requests(ds, PARALLEL, 0));
            outcomes.addAll(server.requests(ds, 1, 0));
            outcomes.addAll(server.requests(ds, 1, 0));
        }
        Thread.sleep(agent && fault == Fault.HOLD ? 200 : 0); // hold.returned follows the return
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

    /** One row per fault: the table docs/reliability.md's WildFly rows come from. */
    private static void report(List<Result> results) throws Exception {
        var file = ItSettings.workDir().resolveSibling("wildfly-report.md");
        StringBuilder b = new StringBuilder();
        if (!Files.exists(file)) {
            b.append("| server | datasource | fault | requests failed | max ms | agent events |\n|---|---|---|---|---|---|\n");
        }
        for (Result r : results) {
            String events = String.join(", ", Stream.of("preping.dead", "recycle", "hold.long", "hook.failed")
                    .filter(e -> r.lines.stream().anyMatch(l -> l.contains("] " + e + " "))).toList());
            b.append("| ").append(r.server).append(" | ").append(r.target.name).append(" | ").append(r.fault).append(" | ")
                    .append(r.failed()).append("/").append(r.outcomes.size()).append(" | ").append(r.maxMillis())
                    .append(" | ").append(events.isEmpty() ? "-" : events).append(" |\n");
        }
        Files.writeString(file, b, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
