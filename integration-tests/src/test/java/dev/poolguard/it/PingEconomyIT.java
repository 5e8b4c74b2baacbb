package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What checking costs when nothing is broken ({@code --scenario idle}: two bursts of 20 borrows around a 1.5 s
 * idle spell). The agent pings only connections idle past {@code PREPING_IDLE}, at most once per idle spell, and
 * never one the pool has just validated itself: with each pool's own borrow validation turned on
 * ({@code --validate-on-borrow}) the agent does not ping at all. Under steady traffic ({@code --scenario recycle}: a
 * request every 50 ms, inside the 500 ms {@code PREPING_IDLE}) it does not ping either. Pings are counted from the
 * agent's debug events.
 */
class PingEconomyIT {
    private static final Runs RUNS = new Runs();
    /** Borrows in one burst of the idle scenario. */
    private static final int BURST = 20;

    /** Pools that validate an idle connection at borrow with their defaults (UCP 23 asks a non-Oracle driver every time). */
    private static final Set<Pool> VALIDATE_BY_DEFAULT = EnumSet.of(Pool.HIKARI, Pool.DBCP2, Pool.TOMCAT_DBCP, Pool.UCP);
    /** Tomcat's validationInterval (3 s) trusts a connection validated that recently, so the agent pings. */
    private static final Set<Pool> TRUST_RECENT_VALIDATION = EnumSet.of(Pool.TOMCAT);

    private static AppOutput run(boolean validateOnBorrow) {
        return RUNS.get("validate=" + validateOnBorrow, () -> launch(validateOnBorrow));
    }

    private static AppOutput launch(boolean validateOnBorrow) {
        TestApp app = TestApp.named("PingEconomyIT" + (validateOnBorrow ? "-validate-on-borrow" : ""))
                .withAgent().env("POOLGUARD_LOG_LEVEL", "debug").db(Db.POSTGRES)
                .pools(String.join(",", Pool.pooled().map(p -> p.cli).toList())).scenarios("idle,recycle")
                .timeout(Duration.ofMinutes(4));
        return (validateOnBorrow ? app.args("--validate-on-borrow") : app).run();
    }

    /** Both runs up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (boolean validateOnBorrow : new boolean[] {false, true}) {
            RUNS.start("validate=" + validateOnBorrow, () -> launch(validateOnBorrow));
        }
    }

    static Iterable<Pool> pools() {
        return Pool.pooled().toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void atTheirDefaultsPoolsThatDoNotValidateArePingedOncePerIdleConnection(Pool pool) {
        assertPings(run(false), pool, !VALIDATE_BY_DEFAULT.contains(pool));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void aPoolThatValidatesAtBorrowIsNotPingedAgain(Pool pool) {
        assertPings(run(true), pool, TRUST_RECENT_VALIDATION.contains(pool));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void steadyTrafficIsNotPinged(Pool pool) {
        AppOutput.Section s = run(false).section(pool, Scenario.RECYCLE);
        assertEquals(0, s.result().failed(), s::describe);
        long pings = s.events(e -> e.is("preping.ok", pool)).size();
        int borrows = s.result().ok();
        assertTrue(borrows >= 50, s::describe);
        assertTrue(pings <= borrows / 100, () -> pings + " pings in " + borrows + " borrows\n" + s.describe());
    }

    private static void assertPings(AppOutput out, Pool pool, boolean agentPings) {
        AppOutput.Section s = out.section(pool, Scenario.IDLE);
        assertEquals(0, s.result().failed(), s::describe);
        assertEquals(0, s.events(e -> e.is("preping.dead", pool) || e.type.equals("hook.failed")).size(),
                () -> "nothing was broken, yet:\n" + s.describe());
        long pings = s.events(e -> e.is("preping.ok", pool)).size();
        if (!agentPings) {
            assertEquals(0, pings, () -> "the pool validated these connections itself\n" + s.describe());
            return;
        }
        int sessions = s.detail().sessions();
        assertTrue(pings >= 1, () -> "connections idle 1.5 s must be pinged\n" + s.describe());
        // Once per connection per idle spell (the start-up spell included), never once per borrow.
        assertTrue(pings <= 2L * sessions && pings < BURST,
                () -> pings + " pings for " + sessions + " connections and " + 2 * BURST + " borrows\n" + s.describe());
    }
}
