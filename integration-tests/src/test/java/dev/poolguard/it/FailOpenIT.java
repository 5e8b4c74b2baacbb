package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's own code failing, with real pools: the test app wraps the PostgreSQL driver in one that misbehaves
 * ({@code --faulty-driver}): {@code isValid} throws a RuntimeException, {@code unwrap} returns null, {@code unwrap}
 * throws (inside the agent's advice). The app must see exactly what it sees without the agent (the same requests
 * succeed and fail, with the same first error), and the agent says so once per hook with {@code hook.failed}
 * and switches that hook off for that pool. (A pool shaped differently from what its adapter expects is
 * UnsupportedVersionIT's.)
 */
class FailOpenIT {
    private static final List<String> MODES = List.of("isvalid-throws", "unwrap-null", "unwrap-throws");
    /**
     * Where each fault reaches the agent's code in the idle scenario. isValid: the agent pings an idle connection for
     * the pools that do not validate it themselves at 1.5 s idle (DBCP 1, Tomcat, c3p0, Agroal, Vibur; Druid's hooks reach
     * the physical connection through unwrap, which the wrapper passes on to the real driver's connection, so they
     * ping that one; HikariCP, DBCP2 (and Tomcat's copy) and UCP validate it themselves, and they fail at their first isValid as they do
     * without the agent). unwrap: only Druid's hooks call it, at borrow and at return (c3p0's reads its proxy's
     * {@code inner} connection, the driver's own, as its return hook always did).
     */
    private static final Map<String, Set<String>> FAILED_HOOKS = Map.of(
            "isvalid-throws", Set.of("dbcp1/borrow", "tomcat/borrow", "c3p0/borrow", "agroal/borrow", "vibur/borrow"),
            "unwrap-null", Set.of("druid/borrow"),
            "unwrap-throws", Set.of("druid/borrow", "druid/return"));
    private static final Runs RUNS = new Runs();

    static AppOutput run(String mode, boolean agent) {
        return RUNS.get(mode + "/" + agent, () -> launch(mode, agent));
    }

    private static AppOutput launch(String mode, boolean agent) {
        TestApp app = TestApp.named("FailOpenIT-" + mode + (agent ? "-agent" : "-no-agent")).db(Db.POSTGRES)
                .pools("all").scenarios("idle").args("--faulty-driver", mode).timeout(Duration.ofMinutes(4));
        return (agent ? app.withAgent().env(FAULT_FLAGS) : app).run();
    }

    /** Every run up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (String mode : MODES) {
            for (boolean agent : new boolean[] {true, false}) {
                RUNS.start(mode + "/" + agent, () -> launch(mode, agent));
            }
        }
    }

    static Stream<Arguments> modesAndPools() {
        return MODES.stream().flatMap(m -> Arrays.stream(Pool.guarded()).map(p -> Arguments.of(m, p)));
    }

    static Stream<String> modes() {
        return MODES.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("modesAndPools")
    void theAppSeesWhatItSeesWithoutTheAgent(String mode, Pool pool) {
        AppOutput.Section with = run(mode, true).section(pool, Scenario.IDLE);
        AppOutput.Section without = run(mode, false).section(pool, Scenario.IDLE);
        assertEquals(without.result().ok(), with.result().ok(), () -> with.describe() + "\n" + without.describe());
        assertEquals(without.result().failed(), with.result().failed(), () -> with.describe() + "\n" + without.describe());
        assertEquals(errorClass(without.detail().firstError()), errorClass(with.detail().firstError()),
                () -> with.describe() + "\n" + without.describe());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void eachFailedHookIsReportedOnceAndSwitchedOff(String mode) {
        List<AgentEvent> failed = run(mode, true).events("hook.failed");
        Map<String, Long> perHook = failed.stream().collect(Collectors.groupingBy(FailOpenIT::hookOf,
                Collectors.counting()));
        perHook.forEach((hook, n) -> assertEquals(1L, n, () -> hook + " reported " + n + " times: " + failed));
        assertEquals(FAILED_HOOKS.get(mode), new TreeSet<>(perHook.keySet()), failed::toString);
        for (AgentEvent e : failed) {
            assertTrue(e.line.endsWith("action=hook disabled, pool runs as without the agent"), e::text);
            assertTrue(e.line.contains("faulty driver") || e.line.contains("unwrap returned null"), e::text);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("modes")
    void withoutTheAgentNothingIsLogged(String mode) {
        assertEquals(List.of(), run(mode, false).linesMentioningAgent());
    }

    /** {@code tomcat/borrow} from {@code [poolguard] hook.failed tomcat hook=borrow error=...}. */
    private static String hookOf(AgentEvent e) {
        return e.line.replaceAll(".*hook\\.failed (\\S+) hook=(\\S+).*", "$1/$2");
    }

    private static String errorClass(String firstError) {
        return firstError.equals("none") ? "none" : firstError.replaceAll("[:\\s].*", "");
    }
}
