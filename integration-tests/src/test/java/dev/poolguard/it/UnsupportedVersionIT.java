package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * HikariCP 2.4.0, older than the supported range: its {@code HikariPool.evictConnection} takes a Hikari proxy type,
 * not a {@code Connection}, so the Hikari adapter's advice does not fit. The adapter must say so once and stay out of
 * that class loader, leaving Hikari exactly as without the agent, while the other pools in the same app stay guarded.
 */
class UnsupportedVersionIT {
    private static final Runs RUNS = new Runs();

    static AppOutput run() {
        return RUNS.get("hikari-2.4.0", () -> TestApp.named("UnsupportedVersionIT-hikari-2.4.0")
                .classPath(Libraries.classPathWith(ItSettings.unsupportedPools(), List.of("HikariCP-")))
                .withAgent().env(FAULT_FLAGS).db(Db.POSTGRES).pools("hikari,tomcat").scenarios("stale")
                .timeout(Duration.ofMinutes(2)).run());
    }

    @Test
    void theRunUsesTheUnsupportedRelease() {
        assertEquals("HikariCP-2.4.0.jar", run().section(Pool.HIKARI, Scenario.STALE).detail().library());
    }

    @Test
    void theAdapterSaysOnceWhichMemberDoesNotFit() {
        List<AgentEvent> skipped = run().events("adapter.skipped");
        assertEquals(1, skipped.size(), () -> "expected one adapter.skipped: " + skipped);
        String line = skipped.get(0).text();
        assertTrue(line.startsWith("[poolguard] adapter.skipped hikari 2.4.0 reason=missing "
                + "com.zaxxer.hikari.pool.HikariPool#evictConnection("), line);
    }

    @Test
    void theUnsupportedPoolRunsAsWithoutTheAgent() {
        AppOutput.Section s = run().section(Pool.HIKARI, Scenario.STALE);
        assertEquals(List.of(), s.events(e -> !e.type.equals("adapter.skipped")),
                () -> "the agent acted on a pool it skipped\n" + s.describe());
        assertEquals(40, s.result().ok() + s.result().failed(), s::describe);
        AgentExpectations.assertNoHookFailed(run());
    }

    @Test
    void theOtherPoolsInTheSameAppAreStillGuarded() {
        AgentExpectations.assertNoRequestFailed(run(), Pool.TOMCAT, Scenario.STALE);
        AgentExpectations.assertDeadConnectionEvicted(run(), Pool.TOMCAT, Scenario.STALE);
    }
}
