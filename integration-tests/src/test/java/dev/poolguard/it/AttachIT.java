package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar poolguard-agent.jar <pid>} on a running app: the Tomcat JDBC pool was built and used before the
 * attach, then sits idle while the agent is loaded, then the server kills its sessions. The pool is woven in place
 * and guarded from its next borrow. The same run without the attach hands the killed connections to the app.
 */
class AttachIT {
    private static final Runs RUNS = new Runs();
    /** The used pool idles this long before the kill: time to attach in between (ConfigIT's attach too). */
    static final String IDLE_MS = "8000";
    /** Lets the scenario build and warm up its pool before the attach. */
    private static final long AFTER_POOL_BUILT_MS = 2000;

    private static AppOutput run(boolean attach) {
        return RUNS.get("attach=" + attach, () -> {
            TestApp app = TestApp.named("AttachIT-" + (attach ? "attached" : "not-attached")).db(Db.POSTGRES)
                    .pools("tomcat").scenarios("stale").args("--idle-before-kill", IDLE_MS)
                    .timeout(Duration.ofMinutes(2));
            return attach ? app.run("SCENARIO pool=tomcat", AttachIT::attach) : app.run();
        });
    }

    static void attach(ProcessHandle app) {
        try {
            Thread.sleep(AFTER_POOL_BUILT_MS);
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            Process attach = new ProcessBuilder(java.toString(), "-jar", ItSettings.agentJar().toString(),
                    Long.toString(app.pid()), "log.level=debug").redirectErrorStream(true).start();
            String output = new String(attach.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!attach.waitFor(60, TimeUnit.SECONDS) || attach.exitValue() != 0) {
                fail("attach failed: " + output);
            }
            assertTrue(output.contains("[poolguard] attached pid=" + app.pid()), output);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aPoolBuiltBeforeTheAttachIsGuardedFromItsNextBorrow() {
        AppOutput out = run(true);
        List<AgentEvent> started = out.events("agent.started");
        assertEquals(1, started.size(), () -> out.agentLines().toString());
        assertEquals("true", started.get(0).field("attached"), started.get(0)::text);
        // The pool's class was loaded before the agent: woven in place, not at load.
        assertTrue(out.events("weave").stream().anyMatch(e -> e.line.contains(
                "org.apache.tomcat.jdbc.pool.ConnectionPool") && "true".equals(e.field("retransformed"))),
                () -> String.join("\n", out.agentLines()));
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.STALE);
        assertEquals(0, s.result().failed(), s::describe);
        assertTrue(!s.events(e -> e.is("preping.dead", Pool.TOMCAT)).isEmpty(), s::describe);
        AgentExpectations.assertNoHookFailed(out);
    }

    @Test
    void withoutTheAttachTheSamePoolHandsOutKilledConnections() {
        AppOutput.Section s = run(false).section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, s::describe);
        assertEquals(List.of(), run(false).linesMentioningAgent());
    }
}
