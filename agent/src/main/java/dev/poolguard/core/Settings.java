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
    static boolean holdStack = true;
    static long exhaustionDumpIntervalNanos = TimeUnit.SECONDS.toNanos(60);
    static volatile boolean jmx = true;
    static boolean stateReset = true;
    static long keepaliveNanos;

    private Settings() {
    }

    static void apply(Config c) {
        preping = c.preping;
        prepingIdleNanos = TimeUnit.MILLISECONDS.toNanos(c.prepingIdleMillis);
        prepingTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(c.prepingTimeoutMillis);
        maxLifetimeNanos = TimeUnit.MILLISECONDS.toNanos(c.maxLifetimeMillis);
        holdWarnNanos = TimeUnit.MILLISECONDS.toNanos(c.holdWarnMillis);
        holdStack = c.holdStack;
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

    static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
