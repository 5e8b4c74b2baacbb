package dev.poolguard.core;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** The effective settings in the units the hot path uses. Written once at start-up, before any hook runs. */
final class Settings {

    static boolean preping = true;
    static long prepingIdleNanos = TimeUnit.MILLISECONDS.toNanos(500);
    static long prepingTimeoutNanos = TimeUnit.SECONDS.toNanos(3);
    static long maxLifetimeNanos = TimeUnit.MINUTES.toNanos(30);
    static long holdWarnNanos = TimeUnit.SECONDS.toNanos(60);
    /** POOLGUARD_HOLD_STACK: never, auto (after the first sign of hoarding), always. */
    static final int STACK_NEVER = 0;
    static final int STACK_AUTO = 1;
    static final int STACK_ALWAYS = 2;
    static int holdStack = STACK_AUTO;
    /** Set once a lease was held past HOLD_WARN or a pool ran dry: from then on auto captures borrow sites. */
    private static volatile boolean sitesArmed;
    static long exhaustionDumpIntervalNanos = TimeUnit.SECONDS.toNanos(60);
    static volatile boolean jmx = true;
    static boolean stateReset = true;
    static long keepaliveNanos;
    /** Attached to a running JVM: connections opened before the attach are older than the agent's first sight. */
    static boolean attached;

    private Settings() {
    }

    static void apply(Config c) {
        preping = c.preping;
        prepingIdleNanos = TimeUnit.MILLISECONDS.toNanos(c.prepingIdleMillis);
        prepingTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(c.prepingTimeoutMillis);
        maxLifetimeNanos = TimeUnit.MILLISECONDS.toNanos(c.maxLifetimeMillis);
        holdWarnNanos = TimeUnit.MILLISECONDS.toNanos(c.holdWarnMillis);
        holdStack = "true".equals(c.holdStack) ? STACK_ALWAYS : "false".equals(c.holdStack) ? STACK_NEVER : STACK_AUTO;
        exhaustionDumpIntervalNanos = TimeUnit.MILLISECONDS.toNanos(c.exhaustionDumpIntervalMillis);
        jmx = c.jmx;
        stateReset = c.stateReset;
        keepaliveNanos = TimeUnit.MILLISECONDS.toNanos(c.keepaliveMillis);
    }

    /**
     * This connection's lifetime: the maximum less up to 2.5 % at random, so that connections opened together
     * are not all retired together.
     */
    static long lifetimeNanos() {
        long max = maxLifetimeNanos;
        return max <= 0 ? Long.MAX_VALUE : max - ThreadLocalRandom.current().nextLong(max / 40 + 1);
    }

    /**
     * Whether a borrow captures its site now. A stack costs 1.5–3 µs, more than the rest of the borrow, so by default
     * (auto) only an app that has shown a long hold or an exhausted pool pays it, from the next borrow on.
     */
    static boolean captureSite() {
        return holdStack == STACK_ALWAYS || holdStack == STACK_AUTO && sitesArmed;
    }

    /** A sign of hoarding: with auto, borrow sites are captured from now on. */
    static void armSites(String why) {
        if (holdStack == STACK_AUTO && !sitesArmed) {
            sitesArmed = true;
            Log.info("hold.stack", "capturing borrow sites from now on (POOLGUARD_HOLD_STACK=auto) after " + why);
        }
    }

    /** What a report says in place of a borrow site that was not captured. */
    static String noSite() {
        return holdStack == STACK_NEVER ? "not captured (POOLGUARD_HOLD_STACK=false)"
            : "not captured (POOLGUARD_HOLD_STACK=auto: captured after the first long hold or exhausted pool)";
    }

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
