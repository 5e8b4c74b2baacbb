package dev.poolguard.core;


/**
 * Validation with a hard bound. Drivers do not all honour {@code isValid}'s timeout (H2 ignores it; DBCP2 and
 * Tomcat pass 0, which waits forever on a black-holed socket), so every validation, the agent's own ping or the
 * pool's, is registered with a deadline and the watchdog aborts the connection if it is still running then.
 */
final class Validation {

    private Validation() {
    }

    /**
     * The agent's own ping. A driver that fails with anything but an {@code SQLException} is not telling us the
     * connection is dead: that propagates, and the hook switches itself off.
     *
     * @return null when the connection answered, else why it counts as dead
     */
    static String ping(Tracked t, Object physical, long deadline) throws Throwable {
        long start = System.nanoTime();
        long budget = deadline - start;
        if (budget <= 0) {
            return "this borrow's ping time was spent on dead connections before it";
        }
        if (!t.armValidation(deadline)) {
            return null; // the pool is validating it right now; its verdict will count
        }
        Watchdog.armed(deadline);
        boolean valid = false;
        Throwable error = null;
        try {
            valid = Jdbc.isValid(physical, seconds(budget));
        } catch (Throwable e) {
            if (!Jdbc.isSqlException(e) && !t.disarmValidation()) {
                throw e;
            }
            error = e;
        }
        boolean aborted = t.disarmValidation();
        if (valid && !aborted) {
            return null;
        }
        if (aborted) {
            return "no answer within " + Settings.millis(budget) + "ms";
        }
        long took = Settings.millis(System.nanoTime() - start);
        return error == null ? "isValid=false after " + took + "ms" : Log.describe(error) + " after " + took + "ms";
    }

    /** Registers a validation the pool runs itself. @return the token for {@link #unguard}, or null */
    static Tracked guard(PoolAdapter adapter, Object physical) {
        long now = System.nanoTime();
        Tracked t = Connections.track(physical, now);
        if (t.keepaliveRunning) {
            Keepalive.await(t);
            now = System.nanoTime();
        }
        t.validatedBy = adapter;
        BorrowContext borrow = BorrowContext.current();
        if (t.pool == null && borrow != null && borrow.pool != null) {
            Connections.adopt(t, adapter, borrow.pool, now);
        }
        // Only connections idle past the ping window share the borrow's deadline. A fresh one gets its own:
        // failing it would only replace it with another fresh one.
        boolean suspect = now - t.lastGoodNanos >= Settings.prepingIdleNanos;
        PoolInfo pool = t.pool;
        long deadline;
        String presumedDead = null;
        if (suspect && borrow != null) {
            deadline = borrow.validationDeadline(now);
            presumedDead = "this borrow's ping time was spent on dead connections before it";
        } else if (suspect && (pool != null ? pool.silentWithinTimeout(now) : adapter.silentWithinTimeout(now))) {
            // A connection no borrow has claimed yet (opened in advance) has no pool to ask: any pool of the same
            // kind that just went silent stands in for it. At worst a healthy connection is closed and replaced.
            deadline = now;
            presumedDead = "another connection of this pool idle as long went silent just before";
        } else {
            deadline = now + Settings.prepingTimeoutNanos;
        }
        if (!t.armValidation(deadline)) {
            return null; // nested call of the pool's own validation: the outer one is guarded
        }
        if (deadline - now <= 0) {
            // Waiting for this one would only add a full ping timeout to what the app already waited.
            if (t.abortValidation(deadline)) {
                t.presumedDead = presumedDead;
                t.retired = true;
                abort(physical);
            }
        } else {
            Watchdog.armed(deadline);
        }
        return t;
    }

    static void unguard(Tracked t, boolean validated, boolean alive) {
        boolean aborted = t.disarmValidation();
        if (!validated && !aborted) {
            return;
        }
        long now = System.nanoTime();
        PoolInfo pool = t.pool;
        if (pool != null) {
            pool.poolValidations.increment();
        }
        if (alive && !aborted) {
            t.lastGoodNanos = now;
            return;
        }
        t.retired = true;
        String presumed = t.presumedDead;
        String name = pool != null ? pool.name : t.validatedBy == null ? "unknown" : t.validatedBy.id();
        String reason = !aborted ? "the pool's validation failed" : presumed != null ? presumed + ", closed by poolguard"
            : "no answer within " + Settings.millis(Settings.prepingTimeoutNanos) + "ms, aborted by poolguard";
        if (pool != null) {
            pool.deadFound.increment();
        }
        Log.warn("preping.dead", name + " by=pool idle=" + Connections.idleMillis(t, now) + " reason=" + reason);
        Jfr.deadConnection(pool, "pool", Connections.idleNanos(t, now), reason);
    }

    /** Aborts {@code connection} on the calling thread: only for a connection no other thread is using. */
    static void abort(Object connection) {
        Jdbc.abort(connection);
    }

    /**
     * Aborts a connection another thread is blocked in. Some drivers' {@code abort} waits for that read to end
     * (MariaDB's does), so it runs on a short-lived thread of its own and never stalls the watchdog.
     */
    static void abortAsync(Object connection) {
        Thread t = new Thread(() -> Jdbc.abort(connection), "poolguard-abort");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
    }

    /** {@code isValid}'s timeout, capped to what is left of a guarded validation's time. */
    static int cappedSeconds(Object connection, int seconds) {
        Tracked t = Connections.find(connection);
        long deadline = t == null ? 0 : t.validationDeadline;
        if (deadline == 0 || deadline == Tracked.ABORTED) {
            return seconds; // not a validation the agent guards: the caller's own business
        }
        int left = seconds(deadline - System.nanoTime());
        return seconds == 0 || seconds > left ? left : seconds;
    }

    static int seconds(long nanos) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }
}
