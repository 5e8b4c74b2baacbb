package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What the agent must achieve in each scenario, shared by every suite that runs the test app with the agent. */
final class AgentExpectations {
    /**
     * The flags of the "with agent" runs: short fault timeouts, the pre-ping idle threshold left at 500ms, borrow
     * sites always captured (the default captures them only after the first long hold: DiagnosticsIT tests that).
     */
    static final Map<String, String> FAULT_FLAGS = Map.of(
            "POOLGUARD_PREPING_TIMEOUT", "1s",
            "POOLGUARD_HOLD_WARN", "1s",
            "POOLGUARD_MAX_LIFETIME", "2s",
            "POOLGUARD_HOLD_STACK", "true");

    static final long PING_TIMEOUT_MS = 1000;
    /** Time to open a replacement connection after the dead one is evicted. */
    static final long CONNECT_ALLOWANCE_MS = 2000;
    /** HoldScenario.streamDownload sleeps 2500 ms. */
    static final long MIN_HOLD_MS = 2000;
    static final String HOLD_THREAD = "hold-request-1";

    private AgentExpectations() {}

    /** Every expectation for one pool and scenario. */
    static void assertAgentHandled(AppOutput out, Pool pool, Scenario scenario) {
        assertNoRequestFailed(out, pool, scenario);
        switch (scenario) {
            case STALE -> {
                if (pool.isPool()) {
                    assertDeadConnectionEvicted(out, pool, Scenario.STALE);
                }
            }
            case BLACKHOLE -> assertStalledConnectionReplacedInTime(out, pool);
            case RECYCLE -> {
                if (pool.isPool()) {
                    assertOldConnectionsRecycled(out, pool);
                } else {
                    assertNothingRecycled(out, pool);
                }
            }
            case HOLD -> assertLongHoldReportedOnce(out, pool);
        }
    }

    static void assertNoRequestFailed(AppOutput out, Pool pool, Scenario scenario) {
        AppOutput.Section s = out.section(pool, scenario);
        assertEquals(0, s.result().failed(),
                () -> out + ": requests failed with the agent attached; first_error=" + s.detail().firstError()
                        + "\n" + s.describe());
    }

    static void assertDeadConnectionEvicted(AppOutput out, Pool pool, Scenario scenario) {
        AppOutput.Section s = out.section(pool, scenario);
        assertFalse(s.events(e -> e.is("preping.dead", pool)).isEmpty(),
                () -> out + ": expected a preping.dead for a " + pool + " pool\n" + s.describe());
    }

    static void assertStalledConnectionReplacedInTime(AppOutput out, Pool pool) {
        AppOutput.Section s = out.section(pool, Scenario.BLACKHOLE);
        long limit = PING_TIMEOUT_MS + CONNECT_ALLOWANCE_MS;
        assertTrue(s.result().maxBorrowMs() <= limit,
                () -> out + ": max_borrow_ms=" + s.result().maxBorrowMs() + " exceeds ping timeout + connect ("
                        + limit + " ms)\n" + s.describe());
        if (pool.isPool()) {
            assertDeadConnectionEvicted(out, pool, Scenario.BLACKHOLE);
        }
    }

    static void assertOldConnectionsRecycled(AppOutput out, Pool pool) {
        AppOutput.Section s = out.section(pool, Scenario.RECYCLE);
        assertFalse(s.events(e -> e.is("recycle", pool)).isEmpty(),
                () -> out + ": expected a recycle for a " + pool + " pool\n" + s.describe());
        assertTrue(s.detail().sessions() >= 2,
                () -> out + ": recycling should show >= 2 server sessions\n" + s.describe());
    }

    static void assertNothingRecycled(AppOutput out, Pool pool) {
        AppOutput.Section s = out.section(pool, Scenario.RECYCLE);
        assertTrue(s.events(e -> e.type.equals("recycle")).isEmpty(),
                () -> out + ": " + pool + " connections have no pool to recycle into\n" + s.describe());
    }

    /** One hold.long naming the borrowing and the holding method, then one hold.returned. */
    static void assertLongHoldReportedOnce(AppOutput out, Pool pool) {
        AppOutput.Section s = out.section(pool, Scenario.HOLD);
        List<AgentEvent> warnings = s.events(e -> e.is("hold.long", pool) && HOLD_THREAD.equals(e.field("thread")));
        assertEquals(1, warnings.size(),
                () -> out + ": expected exactly one hold.long thread=" + HOLD_THREAD + "\n" + s.describe());
        AgentEvent warning = warnings.get(0);
        assertFramesInclude(out, warning, "borrowed at:", "HoldScenario.handleDownloadRequest");
        assertFramesInclude(out, warning, "holder now:", "HoldScenario.streamDownload");
        // Led by what the holder does now (sleeping), then its own frames: a few lines, never the library frames.
        List<String> now = warning.frames("holder now:");
        assertTrue(now.get(0).contains("Thread.sleep") && now.size() <= 5, () -> out + "\n" + warning.text());
        assertTrue(warning.frames("borrowed at:").stream().allMatch(f -> f.contains("dev.poolguard.testapp.")),
                () -> out + ": borrow site frames outside the application\n" + warning.text());
        // One quick query before the download, none during it: used for a few ms, last used about as long ago as held.
        long held = warning.millis("held");
        assertTrue(warning.millis("used") >= 0 && warning.millis("used") < held / 2, warning::text);
        String lastUsed = warning.field("last-used");
        assertTrue(lastUsed.endsWith("ms-ago") && Long.parseLong(lastUsed.replace("ms-ago", "")) >= held / 2,
                warning::text);

        List<AgentEvent> returns =
                s.events(e -> e.is("hold.returned", pool) && HOLD_THREAD.equals(e.field("thread")));
        assertEquals(1, returns.size(),
                () -> out + ": expected exactly one hold.returned thread=" + HOLD_THREAD + "\n" + s.describe());
        assertTrue(returns.get(0).millis("held") >= MIN_HOLD_MS,
                () -> out + ": hold.returned should report held >= " + MIN_HOLD_MS + "ms: " + returns.get(0));
    }

    private static void assertFramesInclude(AppOutput out, AgentEvent event, String header, String method) {
        List<String> frames = event.frames(header);
        assertTrue(frames.stream().anyMatch(f -> f.contains(method)),
                () -> out + ": the '" + header + "' frames of hold.long should include " + method + "\n"
                        + event.text());
    }

    static void assertNoHookFailed(AppOutput out) {
        assertEquals(List.of(), lines(out.events("hook.failed")), () -> out + ": an agent hook threw");
        assertEquals(List.of(), lines(out.events("adapter.fallback")), () -> out + ": an adapter fell back");
    }

    static void assertNoAgentLineContains(AppOutput out, String secret) {
        assertFalse(secret.isEmpty(), "the database password is empty, so its absence proves nothing");
        List<String> leaks = out.agentLines().stream().filter(l -> l.contains(secret)).collect(Collectors.toList());
        assertEquals(List.of(), leaks, () -> out + ": agent output contains the database password");
    }

    private static List<String> lines(List<AgentEvent> events) {
        return events.stream().map(AgentEvent::text).collect(Collectors.toList());
    }
}
