package dev.poolguard.bench;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;
import org.openjdk.jmh.util.Statistics;

/** The paired figures as Markdown tables: without the agent, with it, the difference, and its share of the budget. */
final class Report {

    static final double BORROW_BUDGET_NS = 1000;
    static final double BORROW_NO_STACK_BUDGET_NS = 300;
    static final double THROUGHPUT_BUDGET = 0.98;
    static final double STARTUP_BUDGET_MS = 100;
    static final double PINGS_PER_BORROW_BUDGET = 0.01;

    private final boolean smoke;
    private final StringBuilder tables = new StringBuilder();

    Report(boolean smoke) {
        this.smoke = smoke;
    }

    void borrowCycle(Collection<RunResult> without, Collection<RunResult> defaults, Collection<RunResult> never,
                     Collection<RunResult> always) {
        Map<String, Statistics> base = byParams(without);
        Map<String, Statistics> auto = byParams(defaults);
        Map<String, Statistics> noStack = byParams(never);
        Map<String, Statistics> stack = byParams(always);
        tables.append("\n## Borrow and return (ns per cycle, median of iterations [min–max])\n\n")
            .append("| pool | depth | without agent | agent, defaults | added | of 1 µs budget | agent, HOLD_STACK=false"
                + " | added | of 0.3 µs budget | agent, HOLD_STACK=true | added |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Statistics> e : base.entrySet()) {
            Statistics b = e.getValue();
            Statistics a = auto.get(e.getKey());
            Statistics n = noStack.get(e.getKey());
            Statistics t = stack.get(e.getKey());
            String[] key = e.getKey().split("/");
            double added = a.getPercentile(50) - b.getPercentile(50);
            double addedNoStack = n.getPercentile(50) - b.getPercentile(50);
            double addedStack = t.getPercentile(50) - b.getPercentile(50);
            tables.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(spread(b))
                .append(" | ").append(spread(a)).append(" | ").append(fmt(added)).append(" | ")
                .append(percent(added / BORROW_BUDGET_NS)).append(" | ").append(spread(n)).append(" | ")
                .append(fmt(addedNoStack)).append(" | ").append(percent(addedNoStack / BORROW_NO_STACK_BUDGET_NS))
                .append(" | ").append(spread(t)).append(" | ").append(fmt(addedStack)).append(" |\n");
        }
    }

    /** @param without one collection per round (one fork of each pool), as {@code with} */
    void queryWorkload(List<Collection<RunResult>> without, List<Collection<RunResult>> with, String pinning) {
        Map<String, ListStatistics> base = iterations(without);
        Map<String, ListStatistics> agent = iterations(with);
        tables.append("\n## Query workload: 8 threads × (borrow, SELECT 1, return), ops/s, median [min–max]\n\n")
            .append("Iterations of ").append(without.size()).append(without.size() == 1 ? " fork" : " forks").append(" per side, one fork without and one with")
            .append(" the agent per round; ").append(pinning).append(".\n\n")
            .append("| pool | without agent | with agent | ratio of medians | each round's ratio of fork means |")
            .append(" budget ≥ 0.98 |\n|---|---|---|---|---|---|\n");
        List<Map<String, Statistics>> baseRounds = without.stream().map(Report::byParams).toList();
        List<Map<String, Statistics>> agentRounds = with.stream().map(Report::byParams).toList();
        for (Map.Entry<String, ListStatistics> e : base.entrySet()) {
            Statistics b = e.getValue();
            Statistics a = agent.get(e.getKey());
            double ratio = a.getPercentile(50) / b.getPercentile(50);
            StringBuilder rounds = new StringBuilder();
            for (int i = 0; i < baseRounds.size(); i++) {
                rounds.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f",
                    agentRounds.get(i).get(e.getKey()).getMean() / baseRounds.get(i).get(e.getKey()).getMean()));
            }
            tables.append("| ").append(e.getKey()).append(" | ").append(spread(b)).append(" | ").append(spread(a))
                .append(" | ").append(String.format(Locale.ROOT, "%.3f", ratio)).append(" | ").append(rounds)
                .append(" | ").append(ratio >= THROUGHPUT_BUDGET ? "met" : "missed").append(" |\n");
        }
    }

    /** Every measured iteration of each pool, over all the forks in {@code rounds}. */
    private static Map<String, ListStatistics> iterations(List<Collection<RunResult>> rounds) {
        Map<String, ListStatistics> out = new LinkedHashMap<>();
        for (Collection<RunResult> round : rounds) {
            for (RunResult r : round) {
                ListStatistics s = out.computeIfAbsent(r.getParams().getParam("pool"), k -> new ListStatistics());
                for (BenchmarkResult fork : r.getBenchmarkResults()) {
                    for (IterationResult iteration : fork.getIterationResults()) {
                        s.addValue(iteration.getPrimaryResult().getScore());
                    }
                }
            }
        }
        return out;
    }

    /**
     * Rounds of launches, each indexed by {@link Run.AgentMode#ordinal()}: wall time, and CPU where it was read; a row
     * for the releases the agent pre-wove and one for releases it did not.
     */
    void startup(List<Run.Launch[]> runs, String preWoven, String springBoot, String other) {
        tables.append("\n## Start-up: test app, one HikariCP pool, one query, exit (wall ms, ").append(runs.size())
            .append(" rounds, median [min–max])\n\n")
            .append("| releases | without agent | agent off (`POOLGUARD_ENABLED=false`) | with agent | added by"
                + " `-javaagent` alone (off − without) | added (with − without) | of 100 ms budget |\n"
                + "|---|---|---|---|---|---|---|\n");
        startupRows(runs, Run.Launch::wallMillis, true, preWoven, springBoot, other);
        if (runs.stream().flatMap(Arrays::stream).allMatch(l -> l.cpuMillis() >= 0)) {
            // On two cores, CPU the agent adds on any thread (the JIT compiling its code too) is start-up time.
            tables.append("\nThe same runs' CPU, all threads of the JVM (user + system ms, median [min–max]):\n\n")
                .append("| releases | without agent | agent off | with agent | added by `-javaagent` alone | added |\n"
                    + "|---|---|---|---|---|---|\n");
            startupRows(runs, Run.Launch::cpuMillis, false, preWoven, springBoot, other);
        }
    }

    private void startupRows(List<Run.Launch[]> runs, ToLongFunction<Run.Launch> value, boolean budget,
                             String preWoven, String springBoot, String other) {
        startupRow(runs, value, budget, preWoven + " (pre-woven)", Run.AgentMode.NONE, Run.AgentMode.OFF,
            Run.AgentMode.ON);
        startupRow(runs, value, budget, preWoven + " (pre-woven), pgjdbc the only driver", Run.AgentMode.ONE_DRIVER_NONE,
            null, Run.AgentMode.ONE_DRIVER_ON);
        startupRow(runs, value, budget, springBoot + " (Spring Boot 4.0.3's, pre-woven), pgjdbc the only driver", Run.AgentMode.SPRING_BOOT_NONE,
            null, Run.AgentMode.SPRING_BOOT_ON);
        startupRow(runs, value, budget, other + " (not pre-woven), pgjdbc the only driver", Run.AgentMode.OTHER_NONE, null,
            Run.AgentMode.OTHER_ON);
    }

    /** Appends a start-up row: the modes, the differences and, if {@code budget}, the share of the budget. */
    private void startupRow(List<Run.Launch[]> runs, ToLongFunction<Run.Launch> value, boolean budget, String label,
                            Run.AgentMode none, Run.AgentMode off, Run.AgentMode on) {
        ListStatistics base = new ListStatistics();
        ListStatistics switchedOff = new ListStatistics();
        ListStatistics agent = new ListStatistics();
        ListStatistics jvm = new ListStatistics();
        ListStatistics added = new ListStatistics();
        for (Run.Launch[] round : runs) {
            long without = value.applyAsLong(round[none.ordinal()]);
            base.addValue(without);
            agent.addValue(value.applyAsLong(round[on.ordinal()]));
            added.addValue(value.applyAsLong(round[on.ordinal()]) - without);
            if (off != null) {
                switchedOff.addValue(value.applyAsLong(round[off.ordinal()]));
                jvm.addValue(value.applyAsLong(round[off.ordinal()]) - without);
            }
        }
        tables.append("| ").append(label).append(" | ").append(spread(base)).append(" | ")
            .append(off == null ? "–" : spread(switchedOff)).append(" | ").append(spread(agent)).append(" | ")
            .append(off == null ? "–" : spread(jvm)).append(" | ").append(spread(added));
        if (budget) {
            tables.append(" | ").append(percent(added.getPercentile(50) / STARTUP_BUDGET_MS));
        }
        tables.append(" |\n");
    }

    /** {@code PINGS pool=... k=v ...} lines of {@link PingEconomy}. */
    void pingEconomy(List<String> lines) {
        tables.append("\n## Ping economy, counted by the agent's MBeans (pings: the agent's own; the pool's own"
                + " validations beside them)\n\n")
            .append("| pool | steady: borrows | agent pings | per borrow | budget ≤ 0.01 | pool validations per borrow"
                + " | after 1.2 s idle: connections borrowed | agent pings | pool validations | validations per"
                + " connection | budget exactly 1 |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, String> f : fields(lines, "PINGS")) {
            double borrows = Double.parseDouble(f.get("steady_borrows"));
            double perBorrow = Double.parseDouble(f.get("steady_pings")) / borrows;
            long borrowed = Long.parseLong(f.get("idle_borrowed"));
            long idleChecks = Long.parseLong(f.get("idle_pings")) + Long.parseLong(f.get("idle_pool_validations"));
            double perConnection = (double) idleChecks / borrowed;
            tables.append("| ").append(f.get("pool")).append(" | ").append(f.get("steady_borrows")).append(" | ")
                .append(f.get("steady_pings")).append(" | ").append(String.format(Locale.ROOT, "%.4f", perBorrow))
                .append(" | ").append(perBorrow <= PINGS_PER_BORROW_BUDGET ? "met" : "missed").append(" | ")
                .append(String.format(Locale.ROOT, "%.3f", Double.parseDouble(f.get("steady_pool_validations")) / borrows))
                .append(" | ").append(borrowed).append(" | ").append(f.get("idle_pings")).append(" | ")
                .append(f.get("idle_pool_validations")).append(" | ")
                .append(String.format(Locale.ROOT, "%.2f", perConnection)).append(" | ")
                .append(idleChecks == borrowed ? "met" : "missed").append(" |\n");
        }
    }

    /** {@code GROWTH pool=... k=v ...} lines of {@link Growth}, without and with the agent. */
    void growth(List<String> without, List<String> with) {
        tables.append("\n## Heap growth over borrow cycles (used heap after full GC, after minus before, bytes)\n\n")
            .append("| pool | cycles | without agent | with agent | ns per cycle without / with |\n|---|---|---|---|---|\n");
        List<Map<String, String>> base = fields(without, "GROWTH");
        List<Map<String, String>> agent = fields(with, "GROWTH");
        for (int i = 0; i < base.size(); i++) {
            Map<String, String> b = base.get(i);
            Map<String, String> a = agent.get(i);
            tables.append("| ").append(b.get("pool")).append(" | ").append(b.get("cycles")).append(" | ")
                .append(delta(b)).append(" | ").append(delta(a)).append(" | ").append(b.get("ns_per_cycle"))
                .append(" / ").append(a.get("ns_per_cycle")).append(" |\n");
        }
    }

    private static long delta(Map<String, String> f) {
        return Long.parseLong(f.get("heap_after")) - Long.parseLong(f.get("heap_before"));
    }

    private static List<Map<String, String>> fields(List<String> lines, String prefix) {
        List<Map<String, String>> out = new java.util.ArrayList<>();
        for (String line : lines) {
            if (line.startsWith(prefix + " ")) {
                Map<String, String> f = new LinkedHashMap<>();
                for (String pair : line.substring(prefix.length() + 1).split(" ")) {
                    int eq = pair.indexOf('=');
                    f.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                out.add(f);
            }
        }
        return out;
    }

    String markdown(String machine) {
        return "# PoolGuard benchmark run" + (smoke ? " (smoke: one short iteration each, figures meaningless)" : "")
            + "\n\nMachine: " + machine + "\n" + tables;
    }

    /** Iteration scores of each parameter combination ({@code pool} or {@code pool/depth}), in run order. */
    private static Map<String, Statistics> byParams(Collection<RunResult> results) {
        Map<String, Statistics> out = new LinkedHashMap<>();
        for (RunResult r : results) {
            String key = r.getParams().getParam("pool");
            String depth = r.getParams().getParam("depth");
            out.put(depth == null ? key : key + "/" + depth, r.getPrimaryResult().getStatistics());
        }
        return out;
    }

    private static String spread(Statistics s) {
        return fmt(s.getPercentile(50)) + " [" + fmt(s.getMin()) + "–" + fmt(s.getMax()) + "]";
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", share * 100);
    }
}
