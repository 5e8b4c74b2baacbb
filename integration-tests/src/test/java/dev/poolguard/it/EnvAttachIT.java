package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Attaching by environment alone, as containers do: {@code JAVA_TOOL_OPTIONS=-javaagent:<jar>} and every flag as a
 * {@code POOLGUARD_*} variable, no command-line change. The test app runs in a child JVM of a launcher JVM
 * ({@code --child-jvm}); both pick the agent up from the environment, the child guards its pool, and apart from the
 * agent's own lines the only output the environment adds is the JVM's "Picked up JAVA_TOOL_OPTIONS" line, once per
 * JVM, and the JVM's class-data-sharing warning that any agent putting classes on the bootstrap class path causes
 * (with {@code -javaagent} on the command line as well), once per JVM.
 */
class EnvAttachIT {
    private static final Runs RUNS = new Runs();
    private static final String PICKED_UP = "Picked up JAVA_TOOL_OPTIONS: ";
    private static final String SHARING = "OpenJDK 64-Bit Server VM warning: Sharing is only supported for boot loader"
            + " classes because bootstrap classpath has been appended";
    /** Every flag, each with a value other than its default where it has one that keeps the agent at work. */
    private static final Map<String, String> FLAGS = flags();

    private static Map<String, String> flags() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("POOLGUARD_ENABLED", "true");
        flags.put("POOLGUARD_POOLS", "tomcat,driver");
        flags.put("POOLGUARD_PREPING", "true");
        flags.put("POOLGUARD_PREPING_IDLE", "400ms");
        flags.put("POOLGUARD_PREPING_TIMEOUT", "2s");
        flags.put("POOLGUARD_MAX_LIFETIME", "10m");
        flags.put("POOLGUARD_HOLD_WARN", "30s");
        flags.put("POOLGUARD_HOLD_STACK", "true");
        flags.put("POOLGUARD_EXHAUSTION_DUMP_INTERVAL", "30s");
        flags.put("POOLGUARD_KEEPALIVE", "20s");
        flags.put("POOLGUARD_STATE_RESET", "true");
        flags.put("POOLGUARD_JMX", "true");
        flags.put("POOLGUARD_PREWOVEN", "true");
        flags.put("POOLGUARD_LOG_LEVEL", "info");
        return flags;
    }

    /** The flags whose value differs from the default: agent.started lists each with its source. */
    private static final Set<String> NON_DEFAULT = Set.of("pools=tomcat,driver", "preping.idle=400ms",
            "preping.timeout=2s", "max.lifetime=10m", "hold.warn=30s", "hold.stack=true",
            "exhaustion.dump.interval=30s", "keepalive=20s");

    private static AppOutput run(boolean agent) {
        return RUNS.get("env=" + agent, () -> {
            TestApp app = TestApp.named("EnvAttachIT-" + (agent ? "java-tool-options" : "no-agent")).db(Db.POSTGRES)
                    .pools("tomcat").scenarios("stale").args("--child-jvm").timeout(Duration.ofMinutes(2));
            return agent ? app.env("JAVA_TOOL_OPTIONS", "-javaagent:" + ItSettings.agentJar()).env(FLAGS).run()
                    : app.run();
        });
    }

    @Test
    void bothJvmsPickTheAgentAndEveryFlagUpFromTheEnvironment() {
        AppOutput out = run(true);
        List<AgentEvent> started = out.events("agent.started");
        assertEquals(2, started.size(), () -> "the launcher and the child\n" + out.agentLines());
        for (AgentEvent e : started) {
            for (String setting : NON_DEFAULT) {
                assertTrue(e.line.contains(" " + setting + "(env)") || e.line.contains("=" + setting + "(env)")
                        || e.line.contains("," + setting + "(env)"), () -> setting + " missing from " + e.line);
            }
            assertTrue(e.line.contains("adapters=tomcat,driver"), e::text);
        }
        assertEquals(List.of(), out.events("config.invalid"));
    }

    @Test
    void theChildGuardsItsPool() {
        AppOutput.Section s = run(true).section(Pool.TOMCAT, Scenario.STALE);
        assertEquals(0, s.result().failed(), s::describe);
        assertFalse(s.events(e -> e.is("preping.dead", Pool.TOMCAT)).isEmpty(), s::describe);
        AppOutput.Section without = run(false).section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(without.result().failed() > 0, without::describe);
    }

    @Test
    void theOnlyOtherOutputIsTheJvmsPickedUpLineAndItsSharingWarning() {
        AppOutput with = run(true);
        List<String> pickedUp = with.allLines().stream().filter(l -> l.startsWith(PICKED_UP)).toList();
        assertEquals(List.of(PICKED_UP + "-javaagent:" + ItSettings.agentJar(),
                PICKED_UP + "-javaagent:" + ItSettings.agentJar()), pickedUp);
        assertEquals(2, with.allLines().stream().filter(SHARING::equals).count(), with.allLines()::toString);
        Set<String> agentLines = new HashSet<>(with.agentLines());
        List<String> rest = with.allLines().stream()
                .filter(l -> !l.startsWith(PICKED_UP) && !l.equals(SHARING) && !agentLines.contains(l)).toList();
        assertEquals(shapes(run(false).allLines()), shapes(rest),
                () -> "the app's own lines, by their first word, with the agent and without");
    }

    /** How many lines start with each first word: the same app prints the same kinds of lines. */
    private static Map<String, Long> shapes(List<String> lines) {
        return lines.stream().filter(l -> !l.isBlank()).map(l -> l.trim().split("\\s+")[0])
                .collect(Collectors.groupingBy(w -> w, TreeMap::new, Collectors.counting()));
    }
}
