package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Tomcat's built-in pool (DBCP2 repackaged) and Commons DBCP 1 on PostgreSQL, through the kill, silent-drop,
 * recycle and long-hold scenarios, with the agent (Tomcat's pool also at its oldest supported release) and without;
 * and Commons DBCP 1 as a pool the agent does not guard ({@code POOLGUARD_POOLS} without it): its idle connections
 * are left alone, never taken for bare ones held too long, while the application's own bare connections still are;
 * and H2's {@code JdbcConnectionPool}, a pool the agent has no adapter for, through every fault on both databases
 * with and without the agent.
 * The scenario matrix covers both pools on every database and release too; this is their quick check.
 */
class DbcpFamilyIT {
    private static final Runs RUNS = new Runs();
    private static final List<Pool> POOLS = List.of(Pool.TOMCAT_DBCP, Pool.DBCP1);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    /** Every adapter but dbcp1. */
    private static final String ALL_BUT_DBCP1 = "hikari,dbcp2,tomcat-dbcp,tomcat,c3p0,druid,agroal,vibur,ucp,driver";

    private static Supplier<AppOutput> launch(String key) {
        return () -> switch (key) {
            case "agent" -> app(key, POOLS, Scenario.FAULTS_CSV).withAgent().env(FAULT_FLAGS).run();
            case "no-agent" -> app(key, POOLS, "stale,blackhole,hold").run();
            case "oldest-agent" -> app(key, List.of(Pool.TOMCAT_DBCP), "stale,blackhole,hold")
                    .libraries(Libraries.OLDEST).withAgent().env(FAULT_FLAGS).run();
            case "unguarded" -> app(key, List.of(Pool.DBCP1, Pool.DRIVER), "hold").withAgent().env(FAULT_FLAGS)
                    .env("POOLGUARD_POOLS", ALL_BUT_DBCP1).run();
            case "h2pool-postgres-agent", "h2pool-mariadb-agent" -> unknown(key).withAgent().env(FAULT_FLAGS).run();
            case "h2pool-postgres-no-agent", "h2pool-mariadb-no-agent" -> unknown(key).run();
            default -> throw new IllegalArgumentException(key);
        };
    }

    private static TestApp app(String key, List<Pool> pools, String scenarios) {
        return TestApp.named("DbcpFamilyIT-" + key).db(Db.POSTGRES).timeout(TIMEOUT)
                .pools(pools.stream().map(p -> p.cli).collect(Collectors.joining(","))).scenarios(scenarios);
    }

    /** H2's JdbcConnectionPool, a pool the agent has no adapter for, through every fault on one database. */
    private static TestApp unknown(String key) {
        Db db = key.contains("mariadb") ? Db.MARIADB : Db.POSTGRES;
        return TestApp.named("DbcpFamilyIT-" + key).db(db).timeout(TIMEOUT).pools(Pool.H2POOL.cli)
                .scenarios(Scenario.FAULTS_CSV);
    }

    private static final List<Db> DBS = List.of(Db.POSTGRES, Db.MARIADB);

    private static AppOutput run(String key) {
        return RUNS.get(key, launch(key));
    }

    @BeforeAll
    static void startRuns() {
        for (String key : List.of("no-agent", "agent", "oldest-agent", "unguarded", "h2pool-postgres-agent",
                "h2pool-postgres-no-agent", "h2pool-mariadb-agent", "h2pool-mariadb-no-agent")) {
            RUNS.start(key, launch(key));
        }
    }

    static Stream<Arguments> poolsAndScenarios() {
        return POOLS.stream().flatMap(p -> Scenario.FAULTS.stream().map(s -> Arguments.of(p, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("poolsAndScenarios")
    void everyScenarioIsSurvivedAndLoggedWithTheAgent(Pool pool, Scenario scenario) {
        AgentExpectations.assertAgentHandled(run("agent"), pool, scenario);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void connectionsThePoolOpenedAreNeverReportedAsBare(Pool pool) {
        AppOutput.Section s = run("agent").section(pool, Scenario.HOLD);
        assertEquals(List.of(), s.events(e -> e.is("hold.long", Pool.DRIVER)), s::describe);
    }

    /** Both hang past the request's deadline on a silently dropped connection: the failure the agent prevents. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void withoutTheAgentSilentlyDroppedConnectionsHang(Pool pool) {
        AppOutput.Section s = run("no-agent").section(pool, Scenario.BLACKHOLE);
        assertTrue(s.result().failed() > 0, s::describe);
        assertEquals(List.of(), run("no-agent").linesMentioningAgent());
    }

    @Test
    void tomcatsPoolAtItsOldestSupportedReleaseIsGuardedToo() {
        AppOutput out = run("oldest-agent");
        for (Scenario scenario : List.of(Scenario.STALE, Scenario.BLACKHOLE, Scenario.HOLD)) {
            AppOutput.Section s = out.section(Pool.TOMCAT_DBCP, scenario);
            assertEquals(Libraries.OLDEST.expectedJar(Pool.TOMCAT_DBCP), s.detail().library(), s::describe);
            AgentExpectations.assertAgentHandled(out, Pool.TOMCAT_DBCP, scenario);
        }
        AgentExpectations.assertNoHookFailed(out);
    }

    @Test
    void noHookFailsAndNoPasswordIsLogged() {
        AgentExpectations.assertNoHookFailed(run("agent"));
        AgentExpectations.assertNoAgentLineContains(run("agent"), Db.POSTGRES.password());
    }

    /** A pool the agent does not guard: named once, its connections left alone; bare connections still watched. */
    @Test
    void aPoolTheAgentDoesNotGuardIsNamedOnceAndLeftAlone() {
        AppOutput out = run("unguarded");
        AppOutput.Section s = out.section(Pool.DBCP1, Scenario.HOLD);
        AgentExpectations.assertNoRequestFailed(out, Pool.DBCP1, Scenario.HOLD);
        assertEquals(List.of(), s.events(e -> e.type.startsWith("hold.") || e.type.startsWith("preping.")), s::describe);
        List<AgentEvent> unknown = out.events("pool.unknown");
        assertEquals(1, unknown.size(), () -> unknown.toString());
        assertEquals("org.apache.commons.dbcp.BasicDataSource", unknown.get(0).pool, unknown.get(0)::text);
        assertTrue(unknown.get(0).line.endsWith("action=not guarded: its connections are left alone"),
                unknown.get(0)::text);
        AgentExpectations.assertLongHoldReportedOnce(out, Pool.DRIVER);
        AgentExpectations.assertNoHookFailed(out);
    }

    /**
     * A pool the agent does not know is named once and left alone through every fault: no event about its
     * connections (no hold.long for the idle ones, no eviction), and the application sees what it sees without the
     * agent. H2's pool does not validate, so a killed connection reaches the application either way.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void anUnknownPoolIsNamedOnceAndLeftAloneThroughEveryFault(Db db) {
        AppOutput with = run("h2pool-" + db.label + "-agent");
        AppOutput without = run("h2pool-" + db.label + "-no-agent");
        List<AgentEvent> unknown = with.events("pool.unknown");
        assertEquals(1, unknown.size(), () -> unknown.toString());
        assertEquals("org.h2.jdbcx.JdbcConnectionPool", unknown.get(0).pool, unknown.get(0)::text);
        for (Scenario scenario : Scenario.FAULTS) {
            AppOutput.Section s = with.section(Pool.H2POOL, scenario);
            assertEquals(List.of(), s.events(e -> !e.type.equals("pool.unknown")), s::describe);
            AppOutput.Section plain = without.section(Pool.H2POOL, scenario);
            assertEquals(plain.result().failed() > 0, s.result().failed() > 0,
                    () -> "the agent changed an unguarded pool's outcome\n" + s.describe() + "\n" + plain.describe());
        }
        assertTrue(without.section(Pool.H2POOL, Scenario.STALE).result().failed() > 0,
                "H2's pool hands out killed connections: the scenario must show it, or it proves nothing");
        AgentExpectations.assertNoHookFailed(with);
        assertEquals(List.of(), without.linesMentioningAgent());
    }

    static Stream<Db> dbs() {
        return DBS.stream();
    }

    static Stream<Pool> pools() {
        return POOLS.stream();
    }
}
