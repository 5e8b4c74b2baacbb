package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent on the newest JDK (Temurin 25, -Dpoolguard.jdk25.home): a representative subset of the scenario
 * matrix, on PostgreSQL, with the same expectations, woven at run time (the operations run takes the pre-woven
 * classes). A missing JDK fails the suite unless
 * -Dpoolguard.allowMissingJdk25=true, which aborts these tests with a reason instead.
 */
class Jdk25IT {
    private static final List<Pool> POOLS = List.of(Pool.HIKARI, Pool.TOMCAT, Pool.AGROAL, Pool.UCP, Pool.DRIVER);
    private static final List<Scenario> SCENARIOS = List.of(Scenario.STALE, Scenario.BLACKHOLE, Scenario.HOLD);
    private static final Runs RUNS = new Runs();

    @BeforeAll
    static void requireJdk25() {
        Path java = ItSettings.jdk25Home().resolve("bin").resolve("java");
        if (Files.isExecutable(java)) {
            RUNS.start("jdk25", Jdk25IT::launch); // both runs up front, in the background (see Runs)
            RUNS.start("jdk25-operations", Jdk25IT::launchOperations);
            return;
        }
        String reason = "JDK 25 not found: no " + java + " (set -Dpoolguard.jdk25.home)";
        if (ItSettings.allowMissingJdk25()) {
            System.out.println("[it] Jdk25IT aborted: " + reason);
            Assumptions.abort(reason + "; skipped because -Dpoolguard.allowMissingJdk25=true");
        }
        fail(reason + ", or pass -Dpoolguard.allowMissingJdk25=true to skip these tests explicitly");
    }

    static AppOutput run() {
        return RUNS.get("jdk25", Jdk25IT::launch);
    }

    private static AppOutput launch() {
        return TestApp.named("Jdk25IT-postgres-agent").javaHome(ItSettings.jdk25Home())
                .withAgent().env(FAULT_FLAGS).env("POOLGUARD_PREWOVEN", "false").db(Db.POSTGRES)
                .pools("hikari,tomcat,agroal,ucp,driver").scenarios("stale,blackhole,hold")
                .timeout(Duration.ofMinutes(3)).run();
    }

    static Stream<Arguments> poolsAndScenarios() {
        return POOLS.stream().flatMap(pool -> SCENARIOS.stream().map(s -> Arguments.of(pool, s)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("poolsAndScenarios")
    void agentHandlesEveryScenarioOnJdk25(Pool pool, Scenario scenario) {
        AgentExpectations.assertAgentHandled(run(), pool, scenario);
    }

    /** State hygiene, keepalive and the MBeans on JDK 25, for a pool that resets nothing and one without a keepalive. */
    static AppOutput operations() {
        return RUNS.get("jdk25-operations", Jdk25IT::launchOperations);
    }

    private static AppOutput launchOperations() {
        return TestApp.named("Jdk25IT-postgres-operations").javaHome(ItSettings.jdk25Home())
                .withAgent().env(Map.of("POOLGUARD_KEEPALIVE", "1s", "POOLGUARD_PREPING_TIMEOUT", "1s")).db(Db.POSTGRES)
                .pools("tomcat,vibur").scenarios("leak,idle-cutoff").args("--print-mbeans", "dev.poolguard:type=Pool,*")
                .timeout(Duration.ofMinutes(3)).run();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operationsPools")
    void leakedStateIsRestoredAndIdleConnectionsKeptAliveOnJdk25(Pool pool) {
        AppOutput.Section leak = operations().section(pool, Scenario.LEAK);
        assertEquals(0, leak.result().failed(), leak::describe);
        assertEquals(2, leak.events(e -> e.is("state.leaked", pool)).size(), leak::describe);
        AppOutput.Section idle = operations().section(pool, Scenario.IDLE_CUTOFF);
        assertEquals(0, idle.result().failed(), idle::describe);
        assertEquals(List.of(), idle.events(e -> e.is("preping.dead", pool)), idle::describe);
        assertTrue(idle.mbeans.values().stream().anyMatch(m -> pool.cli.equals(m.get("Adapter"))
                && Long.parseLong(m.get("Keepalives")) > 0), () -> idle.mbeans.toString());
    }

    static Stream<Pool> operationsPools() {
        return Stream.of(Pool.TOMCAT, Pool.VIBUR);
    }

    @Test
    void noAgentHookFailsOnJdk25() {
        AgentExpectations.assertNoHookFailed(run());
        AgentExpectations.assertNoHookFailed(operations());
    }

    @Test
    void agentOutputNeverContainsTheDatabasePasswordOnJdk25() {
        AgentExpectations.assertNoAgentLineContains(run(), Db.POSTGRES.password());
    }
}
