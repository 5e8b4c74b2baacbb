package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two diagnostics no pool gives, on both databases and every connection source, with the agent at its
 * defaults. {@code exhaust}: two requests hold a pool of two through a slow download; the third times out with the
 * pool's own exception, and {@code pool.exhausted} names both holders. {@code background}: a connection is carried
 * into 2.5 s of work while the server's 1 s idle limit ends its session; {@code connection.failed} says so. The same
 * runs without the agent show the app failing the same way, with nothing to explain it.
 */
class DiagnosticsIT {
    private static final Runs RUNS = new Runs();
    private static final Pattern HOLDER =
            Pattern.compile("holder (\\d+): thread=(\\S+) held=(\\d+)ms used=(\\d+)ms last-used=(\\d+)ms-ago"
                    + " borrowed at (.*)");
    /** ExhaustScenario's pool bound and borrow timeout (two late requests each wait it out). */
    private static final int MAX = 2;
    private static final long WAIT_MS = 1000;
    /** BackgroundScenario: the job's work, the server's idle limit. */
    private static final long WORK_MS = 2500;

    static AppOutput run(Db db, boolean agent) {
        return RUNS.get(db + "/" + agent, launch(db, agent));
    }

    private static Supplier<AppOutput> launch(Db db, boolean agent) {
        return () -> {
            TestApp app = TestApp.named("DiagnosticsIT-" + db + (agent ? "-agent" : "-no-agent")).db(db)
                    .pools("all").scenarios("exhaust,background").timeout(Duration.ofMinutes(5));
            return (agent ? app.withAgent().args("--print-mbeans", "dev.poolguard:type=Pool,*") : app).run();
        };
    }

    private static AppOutput dumpOff() {
        return RUNS.get("dump-off", DiagnosticsIT::launchDumpOff);
    }

    private static AppOutput launchDumpOff() {
        return TestApp.named("DiagnosticsIT-dump-interval-0").db(Db.POSTGRES).withAgent()
                .env("POOLGUARD_EXHAUSTION_DUMP_INTERVAL", "0").pools("hikari").scenarios("exhaust").run();
    }

    /** Every run up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (boolean agent : new boolean[] {true, false}) {
            for (Db db : Db.values()) {
                RUNS.start(db + "/" + agent, launch(db, agent));
            }
        }
        RUNS.start("dump-off", DiagnosticsIT::launchDumpOff);
    }

    static Stream<Arguments> pooled() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    static Stream<Arguments> all() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.guarded()).map(p -> Arguments.of(db, p)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void anExhaustedPoolNamesEveryHolderLongestFirst(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.EXHAUST);
        assertEquals(2, s.result().failed(), () -> "both late requests must get the pool's timeout\n" + s.describe());
        // Two timeouts within EXHAUSTION_DUMP_INTERVAL (60 s): one dump.
        List<AgentEvent> dumps = s.events(e -> e.is("pool.exhausted", pool));
        assertEquals(1, dumps.size(), s::describe);
        AgentEvent dump = dumps.get(0);
        assertEquals("late-request-1", dump.field("thread"), dump::text);
        assertEquals(Integer.toString(MAX), dump.field("max"), dump::text);
        assertEquals(Integer.toString(MAX), dump.field("leased"), dump::text);
        assertTrue(dump.millis("waited") >= WAIT_MS * 9 / 10, dump::text);
        // The app gets the pool's exception, and the dump quotes it.
        String appError = s.detail().firstError();
        assertTrue(dump.rest("error").startsWith(appError.substring(0, appError.indexOf(':')))
                || pool == Pool.UCP, () -> appError + " vs " + dump.text());

        List<Matcher> holders = new ArrayList<>();
        for (String line : dump.continuation()) {
            Matcher m = HOLDER.matcher(line.trim());
            if (m.matches()) {
                holders.add(m);
            }
        }
        assertEquals(MAX, holders.size(), dump::text);
        // Default HOLD_STACK=auto: the run's first exhaustion arms borrow-site capture, so only the holders of that
        // one dump (borrowed before it) have no site; every later lease has one.
        boolean armedHere = !s.events(e -> e.type.equals("hold.stack")).isEmpty();
        long previous = Long.MAX_VALUE;
        for (Matcher h : holders) {
            assertTrue(h.group(2).startsWith("download-request-"), dump::text);
            long held = Long.parseLong(h.group(3));
            assertTrue(held >= WAIT_MS * 9 / 10 && held <= previous, () -> "held times longest first\n" + dump.text());
            previous = held;
            // One quick query, then the download: the connection sat unused for nearly the whole hold.
            long used = Long.parseLong(h.group(4));
            long lastUsed = Long.parseLong(h.group(5));
            assertTrue(used < held / 2 && lastUsed >= held - used - 200 && lastUsed <= held, dump::text);
            if (armedHere) {
                assertTrue(h.group(6).startsWith("not captured (POOLGUARD_HOLD_STACK=auto"), dump::text);
            } else {
                assertTrue(h.group(6).startsWith("dev.poolguard.testapp.")
                        && h.group(6).contains("ExhaustScenario.handleDownloadRequest"), dump::text);
            }
        }
        assertTrue(dump.frames("now:").stream().anyMatch(f -> f.contains("ExhaustScenario.streamDownload")),
                dump::text);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void borrowSitesAreCapturedFromTheFirstExhaustionOn(Db db) {
        AppOutput out = run(db, true);
        List<AgentEvent> armed = out.events("hold.stack");
        assertEquals(1, armed.size(), out::toString);
        assertTrue(armed.get(0).line.contains("capturing borrow sites from now on (POOLGUARD_HOLD_STACK=auto) after ")
                && armed.get(0).line.endsWith(" ran out of connections"), armed.get(0)::text);
        // It is the first pool's exhaustion that arms it: the first dump of the run, and no other, lacks the sites.
        List<AgentEvent> dumps = out.events("pool.exhausted");
        assertTrue(dumps.size() >= 2, out::toString);
        assertTrue(dumps.get(0).text().contains("not captured (POOLGUARD_HOLD_STACK=auto"), dumps.get(0)::text);
        dumps.subList(1, dumps.size()).forEach(d -> assertFalse(d.text().contains("not captured"), d::text));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void withoutTheAgentTheLateRequestFailsTheSameWayUnexplained(Db db, Pool pool) {
        AppOutput without = run(db, false);
        AppOutput.Section s = without.section(pool, Scenario.EXHAUST);
        assertEquals(2, s.result().failed(), s::describe);
        String error = s.detail().firstError();
        String withAgent = run(db, true).section(pool, Scenario.EXHAUST).detail().firstError();
        assertEquals(withAgent.substring(0, withAgent.indexOf(':')), error.substring(0, error.indexOf(':')));
        assertEquals(List.of(), without.linesMentioningAgent());
    }

    @Test
    void anIntervalOfZeroTurnsTheDumpOff() {
        AppOutput out = dumpOff();
        AppOutput.Section s = out.section(Pool.HIKARI, Scenario.EXHAUST);
        assertEquals(2, s.result().failed(), s::describe);
        assertEquals(List.of(), out.events("pool.exhausted"));
        assertEquals(List.of(), out.events("config.invalid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void bareConnectionsHaveNoPoolToExhaust(Db db) {
        AppOutput.Section s = run(db, true).section(Pool.DRIVER, Scenario.EXHAUST);
        assertEquals(0, s.result().failed(), s::describe);
        assertEquals(List.of(), s.events(e -> e.type.equals("pool.exhausted")), s::describe);
    }

    static Stream<Db> dbs() {
        return Arrays.stream(Db.values());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("all")
    void aConnectionKilledDuringBackgroundWorkIsDiagnosedAndNeverHandedOutAgain(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.BACKGROUND);
        // Only the job that carried the connection fails; every later request gets a live one.
        assertEquals(1, s.result().failed(), s::describe);
        assertEquals(5, s.result().ok(), s::describe);
        List<AgentEvent> failures = s.events(e -> e.type.equals("connection.failed"));
        assertEquals(1, failures.size(), s::describe);
        AgentEvent f = failures.get(0);
        assertTrue(pool.namedIn(f.pool), f::text);
        assertEquals("report-job-1", f.field("thread"), f::text);
        assertTrue(f.millis("idle") >= WORK_MS * 9 / 10, f::text);
        assertTrue(f.millis("age") >= f.millis("idle"), f::text);
        String state = f.field("sqlstate");
        String cause = f.field("cause");
        if (db == Db.POSTGRES) {
            assertEquals("57P05", state, f::text);
            assertTrue(cause.startsWith("the server's idle_session_timeout ended the session"), f::text);
        } else {
            assertTrue(state.startsWith("08"), f::text);
            assertTrue(cause.startsWith("the network connection to the server was lost"), f::text);
        }
        assertTrue(cause.contains("; idle " + f.millis("idle") + "ms before this call"), f::text);
        assertTrue(f.field("error").contains(s.detail().firstError().substring(0, 20)), f::text);
        if (pool.isPool()) {
            assertTrue(f.millis("lease") >= WORK_MS * 9 / 10, f::text);
            // One query, then the work: the lease used the connection for a moment, then held it idle.
            assertTrue(f.millis("used") >= 0 && f.millis("used") < f.millis("lease") / 2, f::text);
            String lastUsed = f.field("last-used");
            assertTrue(lastUsed.endsWith("ms-ago") && Long.parseLong(lastUsed.replace("ms-ago", ""))
                    >= WORK_MS * 9 / 10, f::text);
            assertTrue(cause.contains("; this lease has lasted " + f.millis("lease") + "ms: borrow a connection per"
                    + " unit of work"), f::text);
            String site = f.field("borrowed-at");
            assertTrue(site.startsWith("dev.poolguard.testapp.Pool.getConnection")
                    && site.contains("BackgroundScenario.runReportJob"), f::text);
            assertTrue(f.line.endsWith("action=retired, the pool will not hand it out again"), f::text);
        } else {
            assertEquals("true", f.field("bare"), f::text);
            assertTrue(f.field("opened-at").startsWith("dev.poolguard.testapp.Pool"), f::text);
        }
    }

    /**
     * The job's lease, on a connection whose session the server ended, ends at the job's close like any other: the
     * agent counts no lease once the scenario is over (read right after it). Druid 1.2 holds a connection inside a
     * wrapper that cannot be unwrapped once the driver marked it closed; the 60 s soak found such leases outliving
     * their close until the watchdog's next round.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("all")
    void theLeaseOfAConnectionWhoseSessionEndedEndsAtClose(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.BACKGROUND);
        AgentEvent failure = s.events(e -> e.type.equals("connection.failed")).get(0);
        Map<String, String> bean = s.mbeans.get("dev.poolguard:type=Pool,name=" + failure.pool);
        assertNotNull(bean, () -> "no MBean for " + failure.pool + " among " + s.mbeans.keySet());
        assertEquals("0", bean.get("ActiveLeases"), () -> bean + "\n" + s.describe());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("all")
    void withoutTheAgentTheJobFailsTheSameWayUnexplained(Db db, Pool pool) {
        AppOutput without = run(db, false);
        AppOutput.Section s = without.section(pool, Scenario.BACKGROUND);
        assertTrue(s.result().failed() >= 1, s::describe);
        String withAgent = run(db, true).section(pool, Scenario.BACKGROUND).detail().firstError();
        assertEquals(withAgent.substring(0, withAgent.indexOf(':')),
                s.detail().firstError().substring(0, s.detail().firstError().indexOf(':')));
        assertFalse(without.linesMentioningAgent().iterator().hasNext());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void noHookFailsAndNoSecretIsLogged(Db db) {
        AgentExpectations.assertNoHookFailed(run(db, true));
        AgentExpectations.assertNoAgentLineContains(run(db, true), db.password());
    }
}
