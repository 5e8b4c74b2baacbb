package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pool through every fault scenario, on PostgreSQL and MariaDB, with the newest and the oldest supported
 * release of each pool, with the agent (short fault timeouts) and without; one of the runs with the agent weaves at
 * run time rather than take the pre-woven classes ({@link #preWoven}). One test-app JVM per database, release
 * set and mode runs all pools and scenarios (two such JVMs at a time); the tests below read its output.
 * With the agent every scenario must be survived and logged. Without it the results are only recorded, in
 * target/scenario-matrix.md, except that Tomcat JDBC must fail on stale connections: the failure the agent
 * exists to prevent.
 */
class ScenarioMatrixIT {
    private static final Duration FULL_RUN_TIMEOUT = Duration.ofMinutes(7);
    private static final Runs RUNS = new Runs();

    static AppOutput withAgent(Db db, Libraries libs) {
        return RUNS.get(key(db, libs, true), launch(db, libs, true));
    }

    static AppOutput withoutAgent(Db db, Libraries libs) {
        return RUNS.get(key(db, libs, false), launch(db, libs, false));
    }

    private static Supplier<AppOutput> launch(Db db, Libraries libs, boolean agent) {
        return () -> {
            TestApp app = TestApp.named("ScenarioMatrixIT-" + key(db, libs, agent)).libraries(libs).db(db)
                    .pools("all").scenarios(Scenario.FAULTS_CSV).timeout(FULL_RUN_TIMEOUT);
            return (agent ? app.withAgent().env(FAULT_FLAGS).env("POOLGUARD_PREWOVEN", String.valueOf(preWoven(db, libs)))
                    : app).run();
        };
    }

    /**
     * Whether the run takes the classes the agent's build wove. Both sets of releases are pre-woven but for the
     * libraries whose licence keeps them out of the jar (c3p0, UCP, the Oracle, MariaDB and MySQL drivers), so one run
     * weaves everything at run time instead, as the agent does for releases it was not built with: every pool, on
     * MariaDB's driver.
     */
    static boolean preWoven(Db db, Libraries libs) {
        return !(db == Db.MARIADB && libs == Libraries.OLDEST);
    }

    /** Every run up front, in the background (see Runs); the runs without the agent, the slower, first. */
    @BeforeAll
    static void startRuns() {
        for (boolean agent : new boolean[] {false, true}) {
            everyRun().forEach(run -> {
                Db db = (Db) run.get()[0];
                Libraries libs = (Libraries) run.get()[1];
                RUNS.start(key(db, libs, agent), launch(db, libs, agent));
            });
        }
    }

    /** The run, made now if no test made it yet (FaultMatrixIT's table uses it); null if it failed. */
    static AppOutput runOrNull(Db db, Libraries libs, boolean agent) {
        try {
            return agent ? withAgent(db, libs) : withoutAgent(db, libs);
        } catch (RuntimeException | AssertionError e) {
            return null;
        }
    }

    static String key(Db db, Libraries libs, boolean agent) {
        return db + "-" + libs + (agent ? "-agent" : "-no-agent");
    }

    static Stream<Arguments> everyRun() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Libraries.values()).map(l -> Arguments.of(db, l)));
    }

    static Stream<Arguments> everyDbPoolAndScenario() {
        return everyRun().flatMap(run -> Arrays.stream(Pool.guarded())
                .flatMap(pool -> Scenario.FAULTS.stream().map(s -> with(run, pool, s))));
    }

    static Stream<Arguments> everyDbAndPool() {
        return everyRun().flatMap(run -> Arrays.stream(Pool.guarded()).map(p -> with(run, p)));
    }

    static Stream<Arguments> everyDbAndPooledPool() {
        return everyRun().flatMap(run -> Pool.pooled().map(p -> with(run, p)));
    }

    private static Arguments with(Arguments run, Object... more) {
        Object[] all = Arrays.copyOf(run.get(), run.get().length + more.length);
        System.arraycopy(more, 0, all, run.get().length, more.length);
        return Arguments.of(all);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPool")
    void eachRunUsesTheReleaseItClaims(Db db, Libraries libs, Pool pool) {
        String expected = libs.expectedJar(pool);
        for (AppOutput out : List.of(withAgent(db, libs), withoutAgent(db, libs))) {
            for (Scenario scenario : Scenario.FAULTS) {
                String loaded = out.section(pool, scenario).detail().library();
                String oldest = Libraries.OLDEST.expectedJar(pool);
                if (expected != null) {
                    assertEquals(expected, loaded, () -> out + " " + pool + " " + scenario);
                } else if (oldest != null) {
                    assertNotEquals(oldest, loaded, () -> out + " " + pool + " " + scenario);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("everyDbPoolAndScenario")
    void everyRequestSucceedsWithTheAgent(Db db, Libraries libs, Pool pool, Scenario scenario) {
        AppOutput out = withAgent(db, libs);
        assertEquals(db.label, out.section(pool, scenario).db);
        AgentExpectations.assertNoRequestFailed(out, pool, scenario);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPooledPool")
    void killedSessionsAreEvictedBeforeTheyAreHandedOut(Db db, Libraries libs, Pool pool) {
        AgentExpectations.assertDeadConnectionEvicted(withAgent(db, libs), pool, Scenario.STALE);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPool")
    void stalledConnectionsCostAtMostThePingTimeout(Db db, Libraries libs, Pool pool) {
        AgentExpectations.assertStalledConnectionReplacedInTime(withAgent(db, libs), pool);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPooledPool")
    void connectionsOlderThanMaxLifetimeAreRecycled(Db db, Libraries libs, Pool pool) {
        AgentExpectations.assertOldConnectionsRecycled(withAgent(db, libs), pool);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void bareDriverConnectionsAreNeverRecycled(Db db, Libraries libs) {
        AgentExpectations.assertNothingRecycled(withAgent(db, libs), Pool.DRIVER);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPool")
    void longHoldIsReportedOnceWithBorrowAndHolderStacks(Db db, Libraries libs, Pool pool) {
        AgentExpectations.assertLongHoldReportedOnce(withAgent(db, libs), pool);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbAndPooledPool")
    void connectionsAPoolOpenedAreNeverReportedAsBare(Db db, Libraries libs, Pool pool) {
        AppOutput.Section s = withAgent(db, libs).section(pool, Scenario.HOLD);
        assertEquals(List.of(), s.events(e -> e.is("hold.long", Pool.DRIVER)),
                () -> "the pool's idle connections were taken for bare ones\n" + s.describe());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void noAgentHookFails(Db db, Libraries libs) {
        AgentExpectations.assertNoHookFailed(withAgent(db, libs));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void agentOutputNeverContainsTheDatabasePassword(Db db, Libraries libs) {
        AgentExpectations.assertNoAgentLineContains(withAgent(db, libs), db.password());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void withoutTheAgentEveryScenarioIsRecorded(Db db, Libraries libs) {
        AppOutput out = withoutAgent(db, libs);
        for (Pool pool : Pool.guarded()) {
            for (Scenario scenario : Scenario.FAULTS) {
                out.section(pool, scenario).result();
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void withoutTheAgentNothingIsLogged(Db db, Libraries libs) {
        assertEquals(List.of(), withoutAgent(db, libs).linesMentioningAgent());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyRun")
    void withoutTheAgentTomcatHandsOutKilledSessions(Db db, Libraries libs) {
        AppOutput.Section s = withoutAgent(db, libs).section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, () -> "expected tomcat to fail on stale connections: " + s.describe());
    }

    @AfterAll
    static void writeMatrix() {
        ScenarioMatrixReport.write((db, libs) -> RUNS.done(key(db, libs, true)),
                (db, libs) -> RUNS.done(key(db, libs, false)));
    }
}
