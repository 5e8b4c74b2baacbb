package dev.poolguard.core;

/** The two lines of a long hold: {@code hold.long} while it lasts, {@code hold.returned} when it ends. */
final class HoldLog {

    private HoldLog() {
    }

    static void warnLong(PoolInfo pool, Tracked t, Thread holder, long now, long heldNanos, Throwable borrowSite) {
        StringBuilder b = new StringBuilder(1024);
        b.append(name(pool)).append(" thread=").append(holder == null ? "unknown" : holder.getName())
            .append(" held=").append(Settings.millis(heldNanos)).append("ms");
        usage(b, t, now);
        b.append(System.lineSeparator()).append("    borrowed at:");
        if (borrowSite == null) {
            b.append(' ').append(Settings.noSite());
        } else {
            Frames.lead(b, borrowSite.getStackTrace(), false);
        }
        b.append(System.lineSeparator()).append("    holder now:");
        StackTraceElement[] current = holder == null ? new StackTraceElement[0] : holder.getStackTrace();
        if (current.length == 0) {
            b.append(" (thread has ended)");
        } else {
            Frames.lead(b, current, true);
        }
        Log.warn("hold.long", b.toString());
        if (pool != null) {
            pool.longHolds.increment();
        }
        Jfr.longHold(pool, holder, heldNanos, borrowSite);
        Settings.armSites("a long hold in " + name(pool));
    }

    /**
     * How much of the lease the connection spent in the driver's calls, and how long since the last one ended: a
     * hold with little use and a long silence is slow work done while holding the connection, not slow queries.
     */
    static void usage(StringBuilder b, Tracked t, long now) {
        long lastEnd = t.leaseLastCallEndNanos;
        b.append(" used=").append(Settings.millis(t.leaseUsedNanos)).append("ms last-used=");
        if (lastEnd == 0 || now - lastEnd < 0) {
            b.append("never");
        } else {
            b.append(Settings.millis(now - lastEnd)).append("ms-ago");
        }
    }

    static void returned(PoolInfo pool, Thread holder, long heldNanos) {
        Log.info("hold.returned", name(pool) + " thread=" + (holder == null ? "unknown" : holder.getName())
            + " held=" + Settings.millis(heldNanos) + "ms");
    }

    private static String name(PoolInfo pool) {
        return pool == null ? "unknown" : pool.name;
    }
}
