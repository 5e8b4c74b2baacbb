package dev.poolguard.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.util.ListStatistics;
import org.openjdk.jmh.util.Statistics;

/** The paired figures as Markdown tables: without the agent, with it, the difference, and its share of the budget. */
final class Report {

    static final double BORROW_BUDGET_NS = 1000;
    static final double BORROW_NO_STACK_BUDGET_NS = 300;
    static final double THROUGHPUT_BUDGET = 0.98;
    static final double STARTUP_BUDGET_MS = 100;

    private final boolean smoke;
    private final StringBuilder tables = new StringBuilder();

    Report(boolean smoke) {
        this.smoke = smoke;
    }

    void borrowCycle(Collection<RunResult> without, Collection<RunResult> with, Collection<RunResult> withoutStack) {
        Map<String, Statistics> base = byParams(without);
        Map<String, Statistics> agent = byParams(with);
        Map<String, Statistics> noStack = byParams(withoutStack);
        tables.append("\n## Borrow and return (ns per cycle, median of iterations [min–max])\n\n")
            .append("| pool | depth | without agent | with agent | added | of 1 µs budget | agent, HOLD_STACK=false"
                + " | added | of 0.3 µs budget |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Statistics> e : base.entrySet()) {
            Statistics b = e.getValue();
            Statistics a = agent.get(e.getKey());
            Statistics n = noStack.get(e.getKey());
            String[] key = e.getKey().split("/");
            double added = a.getPercentile(50) - b.getPercentile(50);
            double addedNoStack = n.getPercentile(50) - b.getPercentile(50);
            tables.append("| ").append(key[0]).append(" | ").append(key[1]).append(" | ").append(spread(b))
                .append(" | ").append(spread(a)).append(" | ").append(fmt(added)).append(" | ")
                .append(percent(added / BORROW_BUDGET_NS)).append(" | ").append(spread(n)).append(" | ")
                .append(fmt(addedNoStack)).append(" | ").append(percent(addedNoStack / BORROW_NO_STACK_BUDGET_NS))
                .append(" |\n");
        }
    }

    void queryWorkload(Collection<RunResult> without, Collection<RunResult> with) {
        Map<String, Statistics> base = byParams(without);
        Map<String, Statistics> agent = byParams(with);
        tables.append("\n## Query workload: 8 threads × (borrow, SELECT 1, return), ops/s, median [min–max]\n\n")
            .append("| pool | without agent | with agent | ratio | budget ≥ 0.98 |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, Statistics> e : base.entrySet()) {
            Statistics b = e.getValue();
            Statistics a = agent.get(e.getKey());
            double ratio = a.getPercentile(50) / b.getPercentile(50);
            tables.append("| ").append(e.getKey()).append(" | ").append(spread(b)).append(" | ").append(spread(a))
                .append(" | ").append(String.format(Locale.ROOT, "%.3f", ratio)).append(" | ")
                .append(ratio >= THROUGHPUT_BUDGET ? "met" : "missed").append(" |\n");
        }
    }

    /** @param runs {without ms, with ms} per pair */
    void startup(List<long[]> runs) {
        ListStatistics base = new ListStatistics();
        ListStatistics agent = new ListStatistics();
        ListStatistics added = new ListStatistics();
        for (long[] pair : runs) {
            base.addValue(pair[0]);
            agent.addValue(pair[1]);
            added.addValue(pair[1] - pair[0]);
        }
        tables.append("\n## Start-up: test app, one HikariCP pool, one query, exit (wall ms, ").append(runs.size())
            .append(" paired runs, median [min–max])\n\n")
            .append("| without agent | with agent | added (paired) | of 100 ms budget |\n|---|---|---|---|\n")
            .append("| ").append(spread(base)).append(" | ").append(spread(agent)).append(" | ").append(spread(added))
            .append(" | ").append(percent(added.getPercentile(50) / STARTUP_BUDGET_MS)).append(" |\n");
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
