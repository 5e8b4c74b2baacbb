package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pool through every fault scenario, on PostgreSQL and MariaDB, with the agent (short fault timeouts) and
 * without. One test-app JVM per database and mode runs all pools and scenarios; the tests below read its output.
 * With the agent every scenario must be survived and logged. Without it the results are only recorded, in
 * target/scenario-matrix.md, except that Tomcat JDBC must fail on stale connections: the failure the agent
 * exists to prevent.
 */
class ScenarioMatrixIT {
    private static final Duration FULL_RUN_TIMEOUT = Duration.ofMinutes(5);
    private static final Runs RUNS = new Runs();

    static AppOutput withAgent(Db db) {
        return RUNS.get(key(db, true), () -> TestApp.named("ScenarioMatrixIT-" + db + "-agent")
                .withAgent().env(FAULT_FLAGS).db(db).pools("all").scenarios("all")
                .timeout(FULL_RUN_TIMEOUT).run());
    }

    static AppOutput withoutAgent(Db db) {
        return RUNS.get(key(db, false), () -> TestApp.named("ScenarioMatrixIT-" + db + "-no-agent")
                .db(db).pools("all").scenarios("all").timeout(FULL_RUN_TIMEOUT).run());
    }

    private static String key(Db db, boolean agent) {
        return db + (agent ? "-agent" : "-no-agent");
    }

    static Stream<Arguments> everyDbPoolAndScenario() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.values())
                .flatMap(pool -> Arrays.stream(Scenario.values()).map(s -> Arguments.of(db, pool, s))));
    }

    static Stream<Arguments> everyDbAndPool() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.values()).map(p -> Arguments.of(db, p)));
    }

    static Stream<Arguments> everyDbAndPooledPool() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyDbPoolAndScenario")
    void everyRequestSucceedsWithTheAgent(Db db, Pool pool, Scenario scenario) {
        AppOutput out = withAgent(db);
        assertEquals(db.label, out.section(pool, scenario).db);
        AgentExpectations.assertNoRequestFailed(out, pool, scenario);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPooledPool")
    void killedSessionsAreEvictedBeforeTheyAreHandedOut(Db db, Pool pool) {
        AgentExpectations.assertDeadConnectionEvicted(withAgent(db), pool, Scenario.STALE);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPool")
    void stalledConnectionsCostAtMostThePingTimeout(Db db, Pool pool) {
        AgentExpectations.assertStalledConnectionReplacedInTime(withAgent(db), pool);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPooledPool")
    void connectionsOlderThanMaxLifetimeAreRecycled(Db db, Pool pool) {
        AgentExpectations.assertOldConnectionsRecycled(withAgent(db), pool);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void bareDriverConnectionsAreNeverRecycled(Db db) {
        AgentExpectations.assertNothingRecycled(withAgent(db), Pool.DRIVER);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPool")
    void longHoldIsReportedOnceWithBorrowAndHolderStacks(Db db, Pool pool) {
        AgentExpectations.assertLongHoldReportedOnce(withAgent(db), pool);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyDbAndPooledPool")
    void connectionsAPoolOpenedAreNeverReportedAsBare(Db db, Pool pool) {
        AppOutput.Section s = withAgent(db).section(pool, Scenario.HOLD);
        assertEquals(List.of(), s.events(e -> e.is("hold.long", Pool.DRIVER)),
                () -> "the pool's idle connections were taken for bare ones\n" + s.describe());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void noAgentHookFails(Db db) {
        AgentExpectations.assertNoHookFailed(withAgent(db));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void agentOutputNeverContainsTheDatabasePassword(Db db) {
        AgentExpectations.assertNoAgentLineContains(withAgent(db), db.password());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void withoutTheAgentEveryScenarioIsRecorded(Db db) {
        AppOutput out = withoutAgent(db);
        for (Pool pool : Pool.values()) {
            for (Scenario scenario : Scenario.values()) {
                out.section(pool, scenario).result();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void withoutTheAgentNothingIsLogged(Db db) {
        assertEquals(List.of(), withoutAgent(db).linesMentioningAgent());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Db.class)
    void withoutTheAgentTomcatHandsOutKilledSessions(Db db) {
        AppOutput.Section s = withoutAgent(db).section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, () -> "expected tomcat to fail on stale connections: " + s.describe());
    }

    @AfterAll
    static void writeMatrix() {
        ScenarioMatrixReport.write(db -> RUNS.done(key(db, true)), db -> RUNS.done(key(db, false)));
    }
}
