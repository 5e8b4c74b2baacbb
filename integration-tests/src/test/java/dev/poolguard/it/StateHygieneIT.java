package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Session state one borrower leaves behind ({@code --scenario leak}, a pool of one connection): with the agent the
 * next borrower always sees a fresh connection's state and no half-done transaction, on every pool and both
 * databases; without it the pools that do not reset state themselves hand it on (and Agroal, turning autocommit
 * back on, commits the insert nobody committed).
 */
class StateHygieneIT {
    private static final Runs RUNS = new Runs();

    /** Pools that, at their defaults, hand a borrower's state to the next one. */
    private static final Set<Pool> LEAK_WITHOUT_AGENT = EnumSet.of(Pool.DBCP2, Pool.TOMCAT_DBCP, Pool.DBCP1, Pool.TOMCAT,
            Pool.AGROAL, Pool.VIBUR, Pool.UCP);
    /** Pools whose own reset comes before the agent's return hook, so there is nothing left to see. */
    private static final Set<Pool> RESET_BEFORE_RETURN_HOOK = EnumSet.of(Pool.HIKARI);

    private static AppOutput run(Db db, boolean agent) {
        return RUNS.get(db + "/" + agent, () -> {
            TestApp app = TestApp.named("StateHygieneIT-" + db + (agent ? "-agent" : "-no-agent")).db(db)
                    .pools("all").scenarios("leak").args("--print-mbeans", "dev.poolguard:type=Pool,*");
            // Sites always captured: each leak below is recognised by its borrow site.
            return (agent ? app.withAgent().env("POOLGUARD_HOLD_STACK", "true") : app).run();
        });
    }

    static Stream<Arguments> all() {
        return Arrays.stream(Db.values()).flatMap(db -> Arrays.stream(Pool.guarded()).map(p -> Arguments.of(db, p)));
    }

    static Stream<Arguments> pooled() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("all")
    void theNextBorrowerAlwaysSeesAFreshSession(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.LEAK);
        assertEquals(0, s.result().failed(), s::describe);
        assertEquals(7, s.result().ok(), s::describe);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("all")
    void withoutTheAgentPoolsThatDoNotResetHandTheStateOn(Db db, Pool pool) {
        AppOutput.Section s = run(db, false).section(pool, Scenario.LEAK);
        if (LEAK_WITHOUT_AGENT.contains(pool)) {
            assertTrue(s.result().failed() > 0, s::describe);
            assertTrue(s.detail().firstError().contains("Exception"), s::describe);
        } else {
            assertEquals(0, s.result().failed(), s::describe);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void eachLeakIsReportedOncePerBorrowSiteAndRestoredWhereThePoolWouldNot(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.LEAK);
        List<AgentEvent> leaks = s.events(e -> e.is("state.leaked", pool));
        if (RESET_BEFORE_RETURN_HOOK.contains(pool)) {
            assertEquals(List.of(), leaks, s::describe);
            return;
        }
        assertEquals(2, leaks.size(), s::describe);
        AgentEvent careless = leaks.get(0);
        assertTrue(careless.field("borrowed-at").contains("LeakScenario.careless"), careless::text);
        assertTrue(careless.field("changed").contains("autocommit:true->false"), careless::text);
        assertTrue(careless.field("changed").contains("->8"), () -> "serializable: " + careless.text());
        assertEquals("possible", careless.field("open-transaction"), careless::text);
        AgentEvent readOnly = leaks.get(1);
        assertTrue(readOnly.field("borrowed-at").contains("LeakScenario.readOnlyReport"), readOnly::text);
        assertEquals("readonly:false->true", readOnly.field("changed"), readOnly::text);

        long restored = leaks.stream().filter(e -> !e.rest("action").startsWith("left to the pool")).count();
        if (LEAK_WITHOUT_AGENT.contains(pool)) {
            assertTrue(careless.rest("action").startsWith("rolled back and restored"), careless::text);
        } else {
            assertEquals(0, restored, s::describe);
        }
        String name = leaks.get(0).pool;
        Map<String, String> mbean = s.mbeans.get("dev.poolguard:type=Pool,name=" + name);
        assertEquals(Long.toString(restored), mbean.get("StateResets"), mbean::toString);
    }

    @Test
    void turnedOffTheLeakIsStillReportedButLeftAsItIs() {
        AppOutput out = RUNS.get("off", () -> TestApp.named("StateHygieneIT-state-reset-off").db(Db.POSTGRES)
                .withAgent().env("POOLGUARD_STATE_RESET", "false").env("POOLGUARD_HOLD_STACK", "true").pools("tomcat").scenarios("leak").run());
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.LEAK);
        assertTrue(s.result().failed() > 0, s::describe);
        List<AgentEvent> leaks = s.events(e -> e.is("state.leaked", Pool.TOMCAT));
        // The open transaction leaks on, so the read-only report already fails to set its state: one leak to report.
        assertEquals(1, leaks.size(), s::describe);
        assertTrue(leaks.get(0).field("borrowed-at").contains("LeakScenario.careless"), s::describe);
        assertTrue(leaks.get(0).rest("action").startsWith("none (POOLGUARD_STATE_RESET=false)"), s::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void noHookFails(Db db) {
        AgentExpectations.assertNoHookFailed(run(db, true));
        AgentExpectations.assertNoAgentLineContains(run(db, true), db.password());
    }

    static Stream<Db> dbs() {
        return Arrays.stream(Db.values());
    }
}
