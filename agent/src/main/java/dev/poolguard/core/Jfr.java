package dev.poolguard.core;

import dev.poolguard.core.jfr.DeadConnection;
import dev.poolguard.core.jfr.LongHold;
import dev.poolguard.core.jfr.PoolExhausted;
import dev.poolguard.core.jfr.Recycle;

/**
 * The agent's JFR events, next to the log lines they mirror. A runtime without {@code jdk.jfr} (a trimmed jlink
 * image) fails the first event: that switches events off for good, once, and the log goes on as before. Events
 * are rare (dead connections, recycling, long holds, exhaustion), so each is an ordinary allocation.
 */
final class Jfr {

    private static volatile boolean on = true;

    private Jfr() {
    }

    static void deadConnection(PoolInfo pool, String detectedBy, long idleNanos, String reason) {
        if (!on) {
            return;
        }
        try {
            DeadConnection e = new DeadConnection();
            if (e.isEnabled()) {
                e.pool = name(pool);
                e.detectedBy = detectedBy;
                e.idle = idleNanos < 0 ? -1 : Settings.millis(idleNanos);
                e.reason = reason;
                e.commit();
            }
        } catch (Throwable t) {
            off(t);
        }
    }

    static void recycle(PoolInfo pool, String at, long ageNanos) {
        if (!on) {
            return;
        }
        try {
            Recycle e = new Recycle();
            if (e.isEnabled()) {
                e.pool = name(pool);
                e.at = at;
                e.age = Settings.millis(ageNanos);
                e.commit();
            }
        } catch (Throwable t) {
            off(t);
        }
    }

    static void longHold(PoolInfo pool, Thread holder, long heldNanos, Throwable site) {
        if (!on) {
            return;
        }
        try {
            LongHold e = new LongHold();
            if (e.isEnabled()) {
                e.pool = name(pool);
                e.holder = holder;
                e.held = Settings.millis(heldNanos);
                StringBuilder b = new StringBuilder(256);
                Frames.site(b, site);
                e.borrowSite = b.toString();
                e.commit();
            }
        } catch (Throwable t) {
            off(t);
        }
    }

    static void poolExhausted(PoolInfo pool, int max, int leased, long waitedNanos) {
        if (!on) {
            return;
        }
        try {
            PoolExhausted e = new PoolExhausted();
            if (e.isEnabled()) {
                e.pool = name(pool);
                e.max = max;
                e.leased = leased;
                e.waited = Settings.millis(waitedNanos);
                e.commit();
            }
        } catch (Throwable t) {
            off(t);
        }
    }

    static boolean enabled() {
        return on;
    }

    private static String name(PoolInfo pool) {
        return pool == null ? "unknown" : pool.name;
    }

    private static void off(Throwable t) {
        on = false;
        Log.warnOnce("jfr", "hook.failed", "jfr hook=jfr error=" + Log.describe(t) + " action=JFR events off");
    }
}
