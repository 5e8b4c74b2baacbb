package dev.poolguard.core;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code pool.exhausted}: a borrow timed out because every connection was leased, so the log names who holds them,
 * for how long, where each borrowed it and what each is doing now, longest first. One dump per pool per
 * {@code EXHAUSTION_DUMP_INTERVAL}; the app still gets the pool's own exception.
 */
final class Exhaustion {

    private Exhaustion() {
    }

    private static final class Holder {
        final long since;
        final Thread thread;
        final Throwable site;
        final Tracked tracked;

        Holder(long since, Thread thread, Throwable site, Tracked tracked) {
            this.since = since;
            this.thread = thread;
            this.site = site;
            this.tracked = tracked;
        }
    }

    static void borrowFailed(PoolAdapter adapter, BorrowContext context, Object pool, Throwable thrown) {
        if (context.depth() != 1 || !adapter.exhausted(thrown)) {
            return; // only the outermost borrow reports: a retry inside it failing is the same failure
        }
        long now = System.nanoTime();
        PoolInfo p = Connections.poolInfo(adapter, pool);
        p.exhausted.increment();
        Settings.armSites(p.name + " ran out of connections");
        boolean dump = Settings.exhaustionDumpIntervalNanos > 0 && p.mayDump(now, Settings.exhaustionDumpIntervalNanos);
        if (!dump && !Jfr.enabled()) {
            return;
        }
        List<Holder> holders = new ArrayList<>();
        Connections.forEach((c, t) -> {
            long s = t.state();
            if (t.pool == p && Tracked.leased(s)) {
                holders.add(new Holder(t.leaseNanos(), t.leaseThread(), t.leaseSite(), t));
            }
        });
        holders.sort((a, b) -> Long.compare(a.since, b.since));
        int max = adapter.maxSize(pool);
        Jfr.poolExhausted(p, max, holders.size(), now - context.startNanos);
        if (!dump) {
            return;
        }
        StringBuilder b = new StringBuilder(2048).append(p.name)
            .append(" max=").append(max < 0 ? "unknown" : Integer.toString(max))
            .append(" leased=").append(holders.size())
            .append(" waited=").append(Settings.millis(now - context.startNanos)).append("ms")
            .append(" thread=").append(Thread.currentThread().getName())
            .append(" error=").append(Log.describe(thrown));
        int n = 0;
        for (Holder h : holders) {
            b.append(System.lineSeparator()).append("  holder ").append(++n).append(": thread=")
                .append(h.thread == null ? "unknown" : h.thread.getName())
                .append(" held=").append(Settings.millis(now - h.since)).append("ms");
            HoldLog.usage(b, h.tracked, now);
            b.append(" borrowed at ");
            Frames.site(b, h.site);
            b.append(System.lineSeparator()).append("    now:");
            StackTraceElement[] current = h.thread == null ? new StackTraceElement[0] : h.thread.getStackTrace();
            if (current.length == 0) {
                b.append(" (thread has ended)");
            } else {
                Frames.lead(b, current, true);
            }
        }
        Log.warn("pool.exhausted", b.toString());
    }
}
