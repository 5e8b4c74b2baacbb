package dev.poolguard.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The agent's one background thread. It aborts validations past their deadline, reports leases held past
 * {@code HOLD_WARN}, notices bare connections being closed, forgets closed connections, and registers the pools'
 * MBeans. It never closes a leased pooled connection. It sleeps until the next deadline it knows of; a new, earlier validation deadline
 * wakes it.
 */
final class Watchdog implements Runnable {

    private static final long MAX_SLEEP = TimeUnit.SECONDS.toNanos(1);
    private static final Watchdog INSTANCE = new Watchdog();

    private static volatile Thread thread;
    private static volatile long nextWake;
    private static volatile boolean dirty;

    private long now;
    private long next;

    private Watchdog() {
    }

    static void ensureStarted() {
        if (thread == null) {
            start();
        }
    }

    private static synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(INSTANCE, "poolguard-watchdog");
        t.setDaemon(true);
        t.setContextClassLoader(null); // pin no application class loader
        nextWake = System.nanoTime();
        t.start();
        thread = t;
        Keepalive.ensureStarted();
    }

    /** Something for the watchdog to do now (an MBean to register). */
    static void wake() {
        ensureStarted();
        dirty = true;
        LockSupport.unpark(thread);
    }

    /**
     * When a validation due by {@code deadline} has gone unanswered long enough to sweep its pool: the grace after
     * its start, for a validation given the full {@code PREPING_TIMEOUT}; at once for one with less (the borrow's time
     * went on a silent one before it).
     */
    static long earlyNanos(long deadline) {
        return deadline - Settings.prepingTimeoutNanos + Validation.graceNanos();
    }

    /** A validation now runs until {@code deadline}. */
    static void armed(long deadline) {
        deadline = earlyNanos(deadline); // never later than the deadline: the grace is at most PREPING_TIMEOUT
        dirty = true;
        Thread t = thread;
        if (t != null && deadline - nextWake < 0) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        while (true) {
            try {
                dirty = false;
                now = System.nanoTime();
                next = now + MAX_SLEEP;
                Connections.forEach(this::check);
                Log.flushSuppressed(now);
                jmx();
                nextWake = next;
                if (!dirty) {
                    LockSupport.parkNanos(this, next - System.nanoTime());
                }
            } catch (Throwable t) {
                Log.warnOnce("watchdog", "hook.failed", "watchdog hook=watchdog error=" + Log.describe(t));
                LockSupport.parkNanos(this, MAX_SLEEP);
            }
        }
    }

    private void check(Object c, Tracked t) {
        long deadline = t.validationDeadline;
        if (deadline != 0 && deadline != Tracked.ABORTED) {
            if (now - deadline >= 0) {
                if (t.abortValidation(deadline)) {
                    t.retired = true;
                    PoolInfo pool = t.pool;
                    if (pool != null) {
                        pool.silent(now);
                        pool.adapter.silent(now);
                    }
                    Validation.abortAsync(c);
                    if (pool != null) {
                        Sweep.after(pool, c, now);
                    }
                }
            } else {
                // A ping with no answer after the grace (a healthy one answers in milliseconds): the pool's other idle
                // connections may sit behind the same dead middlebox, so they are validated meanwhile.
                long early = earlyNanos(deadline);
                PoolInfo pool = t.pool;
                if (now - early >= 0 && pool != null) {
                    Sweep.after(pool, c, now);
                } else {
                    wakeBy(early);
                }
                wakeBy(deadline);
            }
        }
        long s = t.state();
        if (!Tracked.leased(s)) {
            // A retired one stays known until collected: its pool may still hand it out once, and must then evict it
            // (the agent aborted it while idle, the keepalive or a sweep), not take it for a connection never seen.
            if (!t.retired && !t.validating() && closed(c)) {
                Connections.forget(c);
            }
            return;
        }
        if (!Tracked.warned(s) && Settings.holdWarnNanos > 0) {
            long start = t.leaseNanos();
            Thread holder = t.leaseThread();
            Throwable site = t.leaseSite();
            long due = start + Settings.holdWarnNanos;
            if (now - due < 0) {
                wakeBy(due);
            } else if (t.markWarned(s)) {
                HoldLog.warnLong(t.pool, t, holder, now, now - start, site);
            }
        }
        if ((t.bare || t.retired) && closed(c)) {
            // A bare connection's lease is its whole life; nobody else ends it. A pooled one that failed while leased
            // may be discarded by its pool without a return (Druid does that on a fatal error): once it is closed
            // nobody can use it, so its lease ends here and it is forgotten.
            Thread holder = t.leaseThread();
            long ended = t.endLease(now);
            if (ended >= 0 && (ended & 1) == 1) {
                HoldLog.returned(t.pool, holder, ended >>> 1);
            }
            Connections.forget(c);
        }
    }

    private static void jmx() {
        try {
            Jmx.tick();
        } catch (Throwable t) {
            Settings.jmx = false;
            Log.warnOnce("jmx", "hook.failed", "jmx hook=jmx error=" + Log.describe(t) + " action=MBeans off");
        }
    }

    private void wakeBy(long deadline) {
        if (deadline - next < 0) {
            next = deadline;
        }
    }

    private static boolean closed(Object c) {
        return Jdbc.isClosed(c);
    }
}
