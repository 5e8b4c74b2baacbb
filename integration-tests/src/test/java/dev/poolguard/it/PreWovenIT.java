package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The classes the agent's build wove (POOLGUARD_PREWOVEN, on by default): with the test app's releases, and with the
 * oldest supported ones, every pool and driver class is handed its pre-woven bytes and the weaver never builds its
 * rules; with the flag off the weaver weaves the same classes itself; the agent works the same either way.
 * HikariCP and c3p0 on PostgreSQL, sessions killed under them, with the agent's debug lines.
 */
class PreWovenIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** The woven classes this run can tell apart: the two pools' and PostgreSQL's driver's. */
    private static final List<String> PACKAGES =
            List.of("com.zaxxer.hikari.", "com.mchange.v2.c3p0.", "org.postgresql.");
    private static final Runs RUNS = new Runs();

    static AppOutput preWoven() {
        return RUNS.get("on", () -> launch("true"));
    }

    static AppOutput wovenAtRunTime() {
        return RUNS.get("off", () -> launch("false"));
    }

    static AppOutput oldestPreWoven() {
        return RUNS.get("oldest", () -> app("oldest").libraries(Libraries.OLDEST).run());
    }

    private static AppOutput launch(String preWoven) {
        return app(preWoven).env("POOLGUARD_PREWOVEN", preWoven).run();
    }

    private static TestApp app(String name) {
        return TestApp.named("PreWovenIT-prewoven-" + name).withAgent().env(FAULT_FLAGS)
                .env("POOLGUARD_LOG_LEVEL", "debug").db(Db.POSTGRES).pools("hikari,c3p0").scenarios("stale")
                .timeout(TIMEOUT);
    }

    @Test
    void theTestAppsReleasesAreHandedTheirPreWovenBytes() {
        AppOutput out = preWoven();
        List<AgentEvent> woven = wovenHere(out);
        assertFalse(woven.isEmpty(), out::toString);
        woven.forEach(e -> assertEquals("true", e.field("prewoven"), e.line));
        assertTrue(wovenNames(out).containsAll(List.of("com.zaxxer.hikari.pool.HikariPool",
                "com.mchange.v2.c3p0.impl.NewPooledConnection", "org.postgresql.jdbc.PgConnection")), out::toString);
    }

    @Test
    void withEveryClassPreWovenTheWeaverNeverStarts() {
        AppOutput out = preWoven();
        assertEquals(List.of(), out.events("weave").stream().filter(e -> e.field("rules") != null)
                .map(e -> e.line).collect(Collectors.toList()));
        assertEquals(List.of(), out.events("weave").stream().filter(e -> !"true".equals(e.field("prewoven")))
                .map(e -> e.line).collect(Collectors.toList()), "a class the build did not weave");
    }

    @Test
    void theOldestSupportedReleasesArePreWovenToo() {
        AppOutput out = oldestPreWoven();
        assertEquals(Libraries.OLDEST.expectedJar(Pool.HIKARI),
                out.section(Pool.HIKARI, Scenario.STALE).detail().library());
        assertEquals(List.of(), out.events("weave").stream().filter(e -> !"true".equals(e.field("prewoven")))
                .map(e -> e.line).collect(Collectors.toList()));
        assertTrue(wovenNames(out).containsAll(List.of("com.zaxxer.hikari.pool.HikariPool",
                "com.mchange.v2.c3p0.impl.NewPooledConnection")), out::toString);
        AgentExpectations.assertAgentHandled(out, Pool.HIKARI, Scenario.STALE);
        AgentExpectations.assertAgentHandled(out, Pool.C3P0, Scenario.STALE);
    }

    @Test
    void withTheFlagOffTheWeaverWeavesTheSameClassesItself() {
        AppOutput off = wovenAtRunTime();
        assertEquals(1, off.events("weave").stream().filter(e -> e.field("rules") != null).count(), off::toString);
        wovenHere(off).forEach(e -> assertEquals(null, e.field("prewoven"), e.line));
        assertEquals(wovenNames(preWoven()), wovenNames(off));
    }

    @Test
    void theAgentWorksTheSameEitherWay() {
        for (AppOutput out : List.of(preWoven(), wovenAtRunTime())) {
            AgentExpectations.assertAgentHandled(out, Pool.HIKARI, Scenario.STALE);
            AgentExpectations.assertAgentHandled(out, Pool.C3P0, Scenario.STALE);
            AgentExpectations.assertNoHookFailed(out);
        }
    }

    private static List<AgentEvent> wovenHere(AppOutput out) {
        return out.events("weave").stream().filter(e -> PACKAGES.stream().anyMatch(e.pool::startsWith))
                .collect(Collectors.toList());
    }

    private static Set<String> wovenNames(AppOutput out) {
        return wovenHere(out).stream().map(e -> e.pool).collect(Collectors.toCollection(TreeSet::new));
    }
}
