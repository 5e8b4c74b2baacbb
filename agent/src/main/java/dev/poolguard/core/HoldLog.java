package dev.poolguard.core;

/** The two lines of a long hold: {@code hold.long} while it lasts, {@code hold.returned} when it ends. */
final class HoldLog {

    private static final int MAX_FRAMES = 40;

    private HoldLog() {
    }

    static void warnLong(PoolInfo pool, Thread holder, long heldNanos, Throwable borrowSite) {
        StringBuilder b = new StringBuilder(1024);
        b.append(name(pool)).append(" thread=").append(holder == null ? "unknown" : holder.getName())
            .append(" held=").append(Settings.millis(heldNanos)).append("ms");
        b.append(System.lineSeparator()).append("    borrowed at:");
        if (borrowSite == null) {
            b.append(' ').append(Settings.noSite());
        } else {
            Frames.append(b, borrowSite.getStackTrace(), null, MAX_FRAMES);
        }
        b.append(System.lineSeparator()).append("    holder now:");
        StackTraceElement[] now = holder == null ? new StackTraceElement[0] : holder.getStackTrace();
        if (now.length == 0) {
            b.append(" (thread has ended)");
        } else {
            Frames.append(b, now, null, MAX_FRAMES);
        }
        Log.warn("hold.long", b.toString());
        if (pool != null) {
            pool.longHolds.increment();
        }
        Jfr.longHold(pool, holder, heldNanos, borrowSite);
        Settings.armSites("a long hold in " + name(pool));
    }

    static void returned(PoolInfo pool, Thread holder, long heldNanos) {
        Log.info("hold.returned", name(pool) + " thread=" + (holder == null ? "unknown" : holder.getName())
            + " held=" + Settings.millis(heldNanos) + "ms");
    }

    private static String name(PoolInfo pool) {
        return pool == null ? "unknown" : pool.name;
    }
}
