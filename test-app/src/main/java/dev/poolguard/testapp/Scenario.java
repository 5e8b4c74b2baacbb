package dev.poolguard.testapp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One field failure, replayed against a fresh pool. A scenario builds its own pool (the blackhole scenario points
 * it at a proxy) and closes it before it returns.
 */
@FunctionalInterface
interface Scenario {

    Map<String, Scenario> BY_NAME = scenarios();
    List<String> NAMES = List.copyOf(BY_NAME.keySet());
    /** What "all" (and no --scenario) runs: every scenario but the minute-long stress test. */
    List<String> ALL = NAMES.stream().filter(n -> !n.equals("soak")).toList();

    void run(String pool, Target target, Stats stats) throws Exception;

    private static Map<String, Scenario> scenarios() {
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("stale", StaleScenario::run);
        scenarios.put("blackhole", BlackholeScenario::run);
        scenarios.put("recycle", RecycleScenario::run);
        scenarios.put("hold", HoldScenario::run);
        scenarios.put("idle", IdleScenario::run);
        scenarios.put("exhaust", ExhaustScenario::run);
        scenarios.put("background", BackgroundScenario::run);
        scenarios.put("leak", LeakScenario::run);
        scenarios.put("idle-cutoff", IdleCutoffScenario::run);
        scenarios.put("server-idle", ServerIdleScenario::run);
        scenarios.put("reset", ResetScenario::run);
        scenarios.put("restart", RestartScenario::run);
        scenarios.put("drop-one", DropOneScenario::run);
        scenarios.put("soak", SoakScenario::run);
        scenarios.put("startup", StartupScenario::run);
        return scenarios;
    }
}
