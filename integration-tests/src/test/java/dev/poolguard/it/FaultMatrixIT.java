package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.CONNECT_ALLOWANCE_MS;
import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static dev.poolguard.it.AgentExpectations.PING_TIMEOUT_MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The faults of the field, every pool, both databases, with the agent and without: the server's idle timer, a
 * middlebox's idle timer, a connection reset, a server restart with the server down for 2 s in between. The idle
 * timers are named by {@code idle.limit}, bracketed by the idle times the agent saw survived and died; a restart is
 * not taken for one. Killed sessions and a silent drop are
 * run by ScenarioMatrixIT (newest releases); this class reuses those runs for its table,
 * target/reliability.md (kept as docs/reliability.md). The restart is real: on the app's "FAULT restart" line this
 * JVM stops the shared embedded server, waits, and starts it again on the same port.
 */
class FaultMatrixIT {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final long DOWN_MS = 2000;
    /** Each request of these scenarios has a 6 s deadline; one that misses it fails with this text. */
    private static final String MISSED_DEADLINE = "missed its";
    static final List<Scenario> FAULTS = List.of(Scenario.SERVER_IDLE, Scenario.IDLE_CUTOFF, Scenario.RESET,
            Scenario.RESTART);
    /**
     * The fault flags without the 2 s MAX_LIFETIME: these faults take 2–4 s, and a connection that old would be
     * recycled at borrow before any ping could show that it was dead.
     */
    private static final Map<String, String> FLAGS = Map.of("POOLGUARD_PREPING_TIMEOUT", "1s",
            "POOLGUARD_HOLD_WARN", "1s");
    private static final Runs RUNS = new Runs();

    static AppOutput run(Db db, boolean agent) {
        return RUNS.get(db + "/" + agent, launch(db, agent));
    }

    private static Supplier<AppOutput> launch(Db db, boolean agent) {
        return () -> {
            TestApp app = TestApp.named("FaultMatrixIT-" + db + (agent ? "-agent" : "-no-agent")).db(db)
                    .pools("all").scenarios("server-idle,idle-cutoff,reset,restart").timeout(RUN_TIMEOUT)
                    .restartsServer(DOWN_MS).args("--print-mbeans", "dev.poolguard:type=Pool,*");
            return (agent ? app.withAgent().env(FLAGS) : app).run();
        };
    }

    /** Every run up front, in the background (see Runs); those on one server take turns, as each restarts it. */
    @BeforeAll
    static void startRuns() {
        for (boolean agent : new boolean[] {true, false}) {
            for (Db db : Db.values()) {
                RUNS.start(db + "/" + agent, launch(db, agent));
            }
        }
    }

    static Stream<Arguments> everyDbPoolAndFault() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.guarded())
                .flatMap(pool -> FAULTS.stream().map(f -> Arguments.of(db, pool, f))));
    }

    static Stream<Arguments> everyDbPooledPoolAndFault() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled()
                .flatMap(pool -> FAULTS.stream().map(f -> Arguments.of(db, pool, f))));
    }

    static Stream<Arguments> everyDbAndPool() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.guarded()).map(p -> Arguments.of(db, p)));
    }

    static Stream<Db> dbs() {
        return Arrays.stream(Db.values());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbPoolAndFault")
    void withTheAgentNoRequestFailsAndEveryBorrowIsBounded(Db db, Pool pool, Scenario fault) {
        AppOutput out = run(db, true);
        AgentExpectations.assertNoRequestFailed(out, pool, fault);
        AppOutput.Section s = out.section(pool, fault);
        long limit = PING_TIMEOUT_MS + CONNECT_ALLOWANCE_MS;
        assertTrue(s.result().maxBorrowMs() <= limit,
                () -> "max_borrow_ms=" + s.result().maxBorrowMs() + " exceeds ping timeout + connect (" + limit
                        + " ms)\n" + s.describe());
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbPooledPoolAndFault")
    void theDeadConnectionsAreEvictedAtBorrow(Db db, Pool pool, Scenario fault) {
        AgentExpectations.assertDeadConnectionEvicted(run(db, true), pool, fault);
    }

    /** While the server is down, a borrow fails as the pool fails it, in bounded time: no request hangs. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPool")
    void whileTheServerIsDownARequestFailsInBoundedTime(Db db, Pool pool) {
        for (boolean agent : new boolean[] {true, false}) {
            AppOutput.Section s = run(db, agent).section(pool, Scenario.RESTART);
            assertNotNull(s.down, () -> "no DOWN line\n" + s.describe());
            assertEquals(1, s.down.failed(), () -> "the server was down, yet the request succeeded\n" + s.describe());
            assertFalse(s.downDetail.firstError().contains(MISSED_DEADLINE), s::describe);
        }
    }

    /**
     * After the restart every pool evicted its dead connections, many of them inside the pool's own claim loop
     * (Agroal's acquire()): the pool's own count of leased connections still comes back to 0 once the requests are
     * done. Evicting through the pool's return path there left Agroal's count at -1 per eviction.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPooledPool")
    void afterTheRestartThePoolsOwnCountOfLeasedConnectionsIsZero(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.RESTART);
        assertFalse(s.events(e -> e.is("preping.dead", pool)).isEmpty(), s::describe);
        assertEquals("0", s.field("ACCOUNTING", "active"), s::describe);
    }

    /**
     * The server's 1 s idle timer and the proxy's 2 s one are each named once, with a bracket around them from what
     * the agent saw: connections that survived 0.7 s and 1 s of idle, and died after 2 s and 4 s, in both quiet
     * spells. The agent measures idle from the client's side, which starts a little before the server's: the lower
     * bound may pass the server's own timer by that much.
     */
    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbPooledPoolAndIdleTimer")
    void anIdleTimerOnTheWayIsNamedWithItsBracket(Db db, Pool pool, Scenario timer) {
        AppOutput.Section s = run(db, true).section(pool, timer);
        List<AgentEvent> limits = s.events(e -> e.is("idle.limit", pool));
        assertEquals(1, limits.size(), s::describe);
        AgentEvent limit = limits.get(0);
        long limitMs = timer == Scenario.SERVER_IDLE ? 1000 : 2000;
        Matcher m = Pattern.compile("(\\d+)ms\\.\\.(\\d+)ms").matcher(limit.field("dead-after"));
        assertTrue(m.matches(), limit::text);
        long lower = Long.parseLong(m.group(1));
        long upper = Long.parseLong(m.group(2));
        assertTrue(lower >= 500 && lower < upper && lower <= limitMs * 5 / 4 && upper >= limitMs, limit::text);
        assertTrue(limit.line.contains(timer == Scenario.SERVER_IDLE ? "cause=server idle timer" : "cause=middlebox"),
                limit::text);
        assertTrue(limit.line.contains("advice=\"POOLGUARD_KEEPALIVE="), limit::text);
        Map<String, String> mbean = s.mbeans.get("dev.poolguard:type=Pool,name=" + limit.pool);
        assertTrue(mbean != null, () -> limit.pool + " not among " + s.mbeans.keySet());
        // The MBean has the bracket as it stands now: later deaths and survivals can only narrow it, around the limit.
        Matcher now = Pattern.compile("(\\d+)ms\\.\\.(\\d+)ms").matcher(mbean.get("IdleLimit"));
        assertTrue(now.matches(), mbean::toString);
        long lowerNow = Long.parseLong(now.group(1));
        long upperNow = Long.parseLong(now.group(2));
        assertTrue(lowerNow >= lower && upperNow <= upper && lowerNow < upperNow && upperNow >= limitMs,
                () -> limit.text() + "\n" + mbean);
    }

    static Stream<Arguments> everyDbPooledPoolAndIdleTimer() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled()
                .flatMap(pool -> Stream.of(Scenario.SERVER_IDLE, Scenario.IDLE_CUTOFF)
                        .map(t -> Arguments.of(db, pool, t))));
    }

    /** Every idle connection dies at a restart, whatever its idle time: no idle limit is claimed from that. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPooledPool")
    void aRestartIsNotTakenForAnIdleLimit(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.RESTART);
        assertFalse(s.events(e -> e.is("preping.dead", pool)).isEmpty(), s::describe);
        assertEquals(List.of(), s.events(e -> e.is("idle.limit", pool)), s::describe);
    }

    static Stream<Arguments> everyDbAndPooledPool() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void theAgentsOutputIsCleanAndHoldsNoPassword(Db db) {
        AppOutput out = run(db, true);
        AgentExpectations.assertNoHookFailed(out);
        AgentExpectations.assertNoAgentLineContains(out, db.password());
    }

    /** What the agent buys: without it, Tomcat JDBC (no validation by default) hands the dead sessions out. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("tomcatFaults")
    void withoutTheAgentTomcatHandsOutDeadConnections(Db db, Scenario fault) {
        AppOutput out = run(db, false);
        assertEquals(List.of(), out.linesMentioningAgent());
        AppOutput.Section s = out.section(Pool.TOMCAT, fault);
        assertTrue(s.result().failed() > 0, s::describe);
    }

    static Stream<Arguments> tomcatFaults() {
        return Arrays.stream(Db.values()).flatMap(db -> FAULTS.stream().map(f -> Arguments.of(db, f)));
    }

    /** target/reliability.md: faults × pools, failed requests with and without the agent, one table per database. */
    @AfterAll
    static void writeTable() {
        StringBuilder md = new StringBuilder("# Reliability: the faults of the field, with and without PoolGuard\n\n")
                .append("Generated by `FaultMatrixIT` (with `ScenarioMatrixIT`'s runs of the newest releases for killed"
                        + " sessions and the silent drop). Cells: failed requests with the agent / without it, of all the"
                        + " scenario's requests (its warm-up included: every failure comes after the fault); `max` is the"
                        + " longest borrow in ms with the agent. \"down\""
                        + " is the one request made while the server was down: it must fail, in bounded time, with"
                        + " and without the agent (the cell shows how long it took). n/a: that run did not complete."
                        + " Agent flags: " + FLAGS + " (killed sessions and silent drop: " + FAULT_FLAGS + ").\n");
        for (Db db : Db.values()) {
            md.append("\n## ").append(db).append("\n\n| fault |");
            for (Pool pool : Pool.guarded()) {
                md.append(' ').append(pool).append(" |");
            }
            md.append("\n|---|").append("---|".repeat(Pool.guarded().length)).append('\n');
            row(md, "server kills every session", db, Scenario.STALE, true);
            row(md, "server idle timeout (1 s)", db, Scenario.SERVER_IDLE, false);
            row(md, "silent drop (proxy black-holes)", db, Scenario.BLACKHOLE, true);
            row(md, "middlebox idle timeout (2 s)", db, Scenario.IDLE_CUTOFF, false);
            row(md, "connection reset (proxy RST)", db, Scenario.RESET, false);
            row(md, "server restart, after it is back", db, Scenario.RESTART, false);
            md.append("| server down 2 s: the request meanwhile |");
            for (Pool pool : Pool.guarded()) {
                md.append(' ').append(down(RUNS.done(db + "/true").orElse(null), pool)).append(" / ")
                        .append(down(RUNS.done(db + "/false").orElse(null), pool)).append(" |");
            }
            md.append('\n');
        }
        ScenarioMatrixReport.write(ItSettings.workDir().resolveSibling("reliability.md"), md);
    }

    private static void row(StringBuilder md, String label, Db db, Scenario scenario, boolean fromScenarioMatrix) {
        AppOutput with = fromScenarioMatrix
                ? ScenarioMatrixIT.runOrNull(db, Libraries.NEWEST, true) : RUNS.done(db + "/true").orElse(null);
        AppOutput without = fromScenarioMatrix
                ? ScenarioMatrixIT.runOrNull(db, Libraries.NEWEST, false) : RUNS.done(db + "/false").orElse(null);
        md.append("| ").append(label).append(" |");
        for (Pool pool : Pool.guarded()) {
            AppOutput.Section a = section(with, pool, scenario);
            AppOutput.Section b = section(without, pool, scenario);
            md.append(' ').append(a == null ? "n/a" : Integer.toString(a.result().failed())).append(" / ")
                    .append(b == null ? "n/a" : b.result().failed() + " of " + total(b))
                    .append(a == null ? "" : " (max " + a.result().maxBorrowMs() + ")").append(" |");
        }
        md.append('\n');
    }

    private static AppOutput.Section section(AppOutput out, Pool pool, Scenario scenario) {
        return out == null ? null
                : out.findSection(pool, scenario).filter(AppOutput.Section::hasResult).orElse(null);
    }

    private static int total(AppOutput.Section s) {
        return s.result().ok() + s.result().failed();
    }

    private static String down(AppOutput out, Pool pool) {
        AppOutput.Section s = section(out, pool, Scenario.RESTART);
        return s == null || s.down == null ? "n/a"
                : (s.down.failed() == 1 ? "failed" : "ok") + " in " + s.down.maxBorrowMs() + " ms";
    }
}
