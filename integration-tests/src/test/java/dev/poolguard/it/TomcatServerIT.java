package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.it.TomcatFaults.Fault;
import dev.poolguard.it.TomcatFaults.Outcome;
import dev.poolguard.it.TomcatFaults.Run;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tomcat's built-in JNDI pool on a real Tomcat: the distribution from Maven Central, started with its own
 * {@code catalina.sh}, the agent in {@code CATALINA_OPTS}, a WAR of JSPs whose {@code META-INF/context.xml} declares
 * a {@code javax.sql.DataSource} without a factory (so tomcat-dbcp serves it), the drivers in CATALINA_BASE/lib.
 * Each configuration (Tomcat version, with or without the agent) is one Tomcat start that goes through every fault on
 * PostgreSQL and MariaDB (see {@link TomcatFaults}). CI runs the newest Tomcat; {@code -Dpoolguard.it.tomcat=all}
 * runs 9.0 (javax) and 10.1 too. Writes target/reliability-tomcat.md, kept in docs/reliability.md.
 */
class TomcatServerIT {
    /** The agent answers a borrow of a dead connection within its ping timeout and a reconnect. */
    private static final long BORROW_LIMIT_MS =
            AgentExpectations.PING_TIMEOUT_MS + AgentExpectations.CONNECT_ALLOWANCE_MS;
    private static final Map<String, Run> RUNS = new ConcurrentHashMap<>();
    private static final Map<String, RuntimeException> FAILED = new ConcurrentHashMap<>();

    /** Each configuration once; a failed one fails its tests without running again. */
    private static Run run(String version, boolean agent) {
        String key = version + "/" + agent;
        synchronized (RUNS) {
            if (FAILED.containsKey(key)) {
                throw FAILED.get(key);
            }
            if (!RUNS.containsKey(key)) {
                try {
                    RUNS.put(key, TomcatFaults.run(version, agent));
                } catch (RuntimeException | AssertionError e) {
                    FAILED.put(key, new IllegalStateException("run " + key + " failed", e));
                    throw FAILED.get(key);
                }
            }
            return RUNS.get(key);
        }
    }

    static Stream<Arguments> faults() {
        return ItSettings.tomcatVersions().stream().flatMap(v -> Stream.of(Db.values())
                .flatMap(db -> Stream.of(Fault.values()).map(f -> Arguments.of(v, db, f))));
    }

    static Stream<String> versions() {
        return ItSettings.tomcatVersions().stream();
    }

    @ParameterizedTest(name = "Tomcat {0} {1} {2}")
    @MethodSource("faults")
    void withTheAgentEveryRequestAfterTheFaultSucceedsAndTheDeadConnectionIsFound(String version, Db db, Fault fault) {
        Outcome o = run(version, true).outcome(db, fault);
        assertEquals(0, o.failed(), o::toString);
        assertEquals(0, o.stuckInValidation(), o::toString);
        assertTrue(o.maxBorrowMs() <= BORROW_LIMIT_MS, () -> "borrow over " + BORROW_LIMIT_MS + " ms: " + o);
        assertTrue(o.agentLines().stream().map(AgentEvent::parse).anyMatch(e -> e.is("preping.dead", Pool.TOMCAT_DBCP)),
                () -> "no preping.dead for a tomcat-dbcp pool: " + o);
    }

    /**
     * Tomcat's pool validates every borrow itself, with {@code isValid(0)}: a closed session is caught and replaced,
     * but on a connection that went silent the validation waits forever, and the request misses its deadline.
     */
    @ParameterizedTest(name = "Tomcat {0} {1} {2}")
    @MethodSource("faults")
    void withoutTheAgentOnlyTheSilentDropFailsRequests(String version, Db db, Fault fault) {
        Outcome o = run(version, false).outcome(db, fault);
        if (fault == Fault.DROP) {
            // The first wave takes the dropped connections and waits in their validation; the second opens new ones.
            assertEquals(TomcatFaults.CONCURRENT, o.failed(), o::toString);
            assertTrue(o.maxRequestMs() >= TomcatFaults.DEADLINE.toMillis(), o::toString);
            assertEquals(TomcatFaults.CONCURRENT, o.stuckInValidation(), o::toString);
        } else {
            assertEquals(0, o.failed(), o::toString);
        }
        assertEquals(List.of(), o.agentLines());
    }

    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void theAgentGuardsTomcatsPoolAndNothingElseIsReported(String version) {
        Run run = run(version, true);
        List<AgentEvent> started = run.events("agent.started");
        assertEquals(1, started.size(), () -> run.name() + ": " + started);
        assertTrue(List.of(started.get(0).field("adapters").split(",")).contains("tomcat-dbcp"), started.get(0)::text);
        assertEquals(List.of(), lines(run.events("hook.failed")), run.name());
        assertEquals(List.of(), lines(run.events("adapter.fallback")), run.name());
        assertEquals(List.of(), lines(run.events("pool.unknown")), run.name());
        assertEquals(List.of(), lines(run.events("config.invalid")), run.name());
        // No request keeps its connection past HOLD_WARN: a hold.long would be an idle pooled connection taken for one.
        assertEquals(List.of(), lines(run.events("hold.long")), run.name());
        for (Db db : Db.values()) {
            assertFalse(db.password().isEmpty(), "no password to look for");
            assertEquals(List.of(), run.agentLines().stream().filter(l -> l.contains(db.password())).toList());
        }
    }

    /**
     * One MBean per JNDI pool (four: a direct and a proxied one per database), each a tomcat-dbcp pool that met dead
     * connections (the direct ones in the kill and the restart, the proxied ones in the silent drop).
     */
    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void eachJndiPoolHasItsMBeanCountingTheDeadConnectionsItMet(String version) {
        List<String> mbeans = run(version, true).mbeans();
        assertEquals(4, mbeans.size(), () -> String.join("\n", mbeans));
        for (String mbean : mbeans) {
            assertTrue(mbean.startsWith("dev.poolguard:type=Pool,name=tomcat-dbcp-"), mbean);
            assertTrue(mbean.contains(" Adapter=tomcat-dbcp "), mbean);
            assertTrue(Long.parseLong(mbean.replaceAll(".* DeadFound=(\\d+).*", "$1")) > 0, mbean);
        }
    }

    /** The shutdown port is off: Tomcat listens on its HTTP port only, and the agent adds no socket. */
    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void tomcatListensOnItsHttpPortOnly(String version) {
        for (boolean agent : List.of(true, false)) {
            Run run = run(version, agent);
            assertEquals(Set.of(Integer.toString(run.httpPort())), run.listening(), run.name());
        }
    }

    @ParameterizedTest(name = "Tomcat {0}")
    @MethodSource("versions")
    void withoutTheAgentTomcatPrintsNothingOfIt(String version) {
        assertEquals(List.of(), run(version, false).agentLines());
    }

    /** target/reliability-tomcat.md: per fault and database, failed requests with the agent / without it. */
    @AfterAll
    static void writeTable() {
        StringBuilder md = new StringBuilder("## Tomcat's built-in pool (JNDI) on a real Tomcat\n\nGenerated by"
                + " `TomcatServerIT` (Tomcat 9.0 and 10.1 with `-Dpoolguard.it.tomcat=all`): a WAR's"
                + " `<Resource type=\"javax.sql.DataSource\">` without a factory, served by tomcat-dbcp with its"
                + " defaults, in Tomcat started by `catalina.sh run`. After each fault, " + TomcatFaults.WAVES
                + " waves of " + TomcatFaults.CONCURRENT + " concurrent HTTP requests, each with a "
                + TomcatFaults.DEADLINE.toSeconds() + " s deadline. Cells: failed requests with the agent / without it,"
                + " of all; `max` is the longest borrow in ms with the agent. Agent flags: " + TomcatFaults.FLAGS
                + ".\n\n| configuration | fault |");
        for (Db db : Db.values()) {
            md.append(' ').append(db).append(" |");
        }
        md.append("\n|---|---|").append("---|".repeat(Db.values().length)).append('\n');
        for (String version : ItSettings.tomcatVersions()) {
            for (Fault fault : Fault.values()) {
                md.append("| Tomcat ").append(version.substring(0, version.indexOf('.'))).append(" (").append(version)
                        .append(") built-in pool (JNDI) | ").append(fault.label).append(" |");
                for (Db db : Db.values()) {
                    Outcome with = outcome(version, true, db, fault);
                    Outcome without = outcome(version, false, db, fault);
                    md.append(' ').append(with == null ? "n/a" : with.failed()).append(" / ")
                            .append(without == null ? "n/a" : without.failed() + " of " + without.total())
                            .append(with == null ? "" : " (max " + with.maxBorrowMs() + ")").append(" |");
                }
                md.append('\n');
            }
        }
        ScenarioMatrixReport.write(ItSettings.workDir().resolveSibling("reliability-tomcat.md"), md);
    }

    private static Outcome outcome(String version, boolean agent, Db db, Fault fault) {
        Run run = RUNS.get(version + "/" + agent);
        return run == null ? null : run.outcome(db, fault);
    }

    private static List<String> lines(List<AgentEvent> events) {
        return events.stream().map(AgentEvent::text).toList();
    }
}
