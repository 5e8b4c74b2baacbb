package dev.poolguard.core;

/**
 * Validation with a hard bound. Drivers do not all honour {@code isValid}'s timeout (H2 ignores it; DBCP2 and
 * Tomcat pass 0, which waits forever on a black-holed socket), so every validation, the agent's own ping or the
 * pool's, is registered with a deadline and the watchdog aborts the connection if it is still running then.
 * Only a connection that failed its own validation is ever reported dead: none is closed on another's verdict.
 */
final class Validation {

    /** What one bounded {@code isValid} said. */
    enum Outcome {
        /** It answered true. */
        ALIVE,
        /** Another validation of it was running (the pool's, a borrow's, the keepalive's): that verdict counts. */
        BUSY,
        /** It answered false, or the driver threw an {@code SQLException}. */
        DEAD,
        /** No answer in time: the watchdog aborted it. */
        SILENT,
        /** The driver cannot validate ({@code SQLFeatureNotSupportedException}, a missing method): no verdict. */
        UNSUPPORTED
    }

    /** An outcome and, unless alive, why. */
    static final class Verdict {
        static final Verdict ALIVE = new Verdict(Outcome.ALIVE, null);
        static final Verdict BUSY = new Verdict(Outcome.BUSY, null);

        final Outcome outcome;
        final String reason;
        /**
         * It never answered in time: aborted, or a no that came only when the driver's own timeout ran out. A dead
         * connection that answers at once was closed by the server; one that stays silent was dropped on the way.
         */
        final boolean silent;

        Verdict(Outcome outcome, String reason) {
            this(outcome, reason, outcome == Outcome.SILENT);
        }

        Verdict(Outcome outcome, String reason, boolean silent) {
            this.outcome = outcome;
            this.reason = reason;
            this.silent = silent;
        }
    }

    private Validation() {
    }

    /**
     * The agent's own ping, the borrow's and the keepalive's. A driver that fails with anything but an
     * {@code SQLException} or a sign that it cannot validate is not telling us anything about the connection: that
     * propagates, and the hook switches itself off.
     */
    static Verdict ping(Tracked t, Object physical, long start, long deadline) throws Throwable {
        long budget = deadline - start;
        if (!t.armValidation(deadline)) {
            return Verdict.BUSY;
        }
        Watchdog.armed(deadline);
        boolean valid = false;
        Throwable error = null;
        try {
            valid = Jdbc.isValid(physical, seconds(budget));
        } catch (Throwable e) {
            error = e;
        }
        if (t.disarmValidation()) {
            return new Verdict(Outcome.SILENT, "no answer within " + Settings.millis(budget) + "ms");
        }
        if (error != null && cannotValidate(error)) {
            return new Verdict(Outcome.UNSUPPORTED, "isValid throws " + Log.describe(error));
        }
        if (error != null && !Jdbc.isSqlException(error)) {
            throw error;
        }
        if (valid) {
            return Verdict.ALIVE;
        }
        long tookNanos = System.nanoTime() - start;
        long took = Settings.millis(tookNanos);
        return new Verdict(Outcome.DEAD, error == null ? "isValid=false after " + took + "ms"
            : Log.describe(error) + " after " + took + "ms", tookNanos >= graceNanos());
    }

    /**
     * A driver that does not implement {@code isValid}: its failure says nothing about the connection. By name, as
     * everything of {@code java.sql} here: the bootstrap loader that defines this class may not see that module.
     */
    private static boolean cannotValidate(Throwable e) {
        for (Class<?> c = e.getClass(); c != null; c = c.getSuperclass()) {
            String name = c.getName();
            if (name.equals("java.sql.SQLFeatureNotSupportedException") || name.equals("java.lang.AbstractMethodError")
                    || name.equals("java.lang.UnsupportedOperationException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * How long a validation may take once another connection of the same borrow or pool went silent (the others are
     * being swept meanwhile, see {@link Sweep}): a healthy connection answers in milliseconds, so a quarter of
     * {@code PREPING_TIMEOUT} (at least 250 ms) tells the two apart without a full timeout per connection.
     */
    static long graceNanos() {
        long t = Settings.prepingTimeoutNanos;
        return Math.min(t, Math.max(t / 4, 250_000_000L));
    }

    /**
     * One connection found dead, by the agent ({@code by=poolguard}, the keepalive, a sweep) or by the pool: counted,
     * logged, recorded, and taken into the pool's {@link IdleLimit}. {@code silent}: it never answered.
     */
    static void reportDead(PoolInfo p, String name, String event, String by, long idleNanos, String reason,
                           boolean evicted, boolean silent) {
        String limit = null;
        if (p != null) {
            p.deadFound.increment();
            if (evicted) {
                p.evictedDead.increment();
            }
            limit = p.idleLimit.dead(p.name, idleNanos, silent, System.nanoTime());
        }
        Log.warn(event, name + " by=" + by + " idle=" + (idleNanos < 0 ? "unknown" : Settings.millis(idleNanos) + "ms")
            + " reason=" + reason);
        Jfr.deadConnection(p, by, idleNanos, reason);
        if (limit != null) {
            Log.info("idle.limit", limit);
        }
    }

    /** Registers a validation the pool runs itself. @return the token for {@link #unguard}, or null */
    static Tracked guard(PoolAdapter adapter, Object physical) {
        if (Jdbc.isClosed(physical)) {
            // Already closed (aborted by a sweep, then forgotten): the pool's check fails at once, and its no says
            // nothing about the driver's answers or the network, so it is neither bounded nor counted.
            return null;
        }
        long now = System.nanoTime();
        Tracked t = Connections.track(physical, now);
        if (t.keepaliveRunning) {
            Keepalive.await(t);
            now = System.nanoTime();
        }
        if (t.retired) {
            return null; // the keepalive or a sweep found it dead and aborted it: the pool's own check fails at once
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
        long deadline = now + Settings.prepingTimeoutNanos;
        if (suspect && borrow != null) {
            deadline = borrow.validationDeadline(now);
        } else if (suspect && (pool != null ? pool.silentWithinTimeout(now) : adapter.silentWithinTimeout(now))) {
            // A pool sweeping its idle connections after one went silent (UCP does, while the borrow waits): a
            // connection opened in advance has no pool yet, so any pool of the same kind that just went silent counts.
            deadline = now + graceNanos();
        }
        if (deadline - now < graceNanos()) {
            deadline = now + graceNanos(); // the borrow's time went on a silent one before: this one gets the grace
        }
        if (!t.armValidation(deadline)) {
            return null; // nested call of the pool's own validation: the outer one is guarded
        }
        t.validationStartNanos = now;
        t.validationBoundNanos = deadline - now;
        Watchdog.armed(deadline);
        return t;
    }

    static void unguard(Tracked t, boolean validated, boolean alive) {
        boolean aborted = t.disarmValidation();
        if (!validated && !aborted) {
            return;
        }
        long now = System.nanoTime();
        long start = t.validationStartNanos;
        PoolInfo pool = t.pool;
        if (pool != null) {
            pool.poolValidations.increment();
        }
        if (alive && !aborted) {
            if (pool != null && Connections.idleNanos(t, start) >= Settings.prepingIdleNanos) {
                pool.survived(Connections.idleNanos(t, start));
            }
            t.lastGoodNanos = now;
            return;
        }
        t.retired = true;
        String name = pool != null ? pool.name : t.validatedBy == null ? "unknown" : t.validatedBy.id();
        long idle = Connections.idleNanos(t, start);
        long took = Settings.millis(now - start);
        if (aborted) {
            // The agent's deadline decided: the pool's own answer, if it came at all, came after the abort.
            reportDead(pool, name, "preping.dead", "poolguard", idle, "no answer within "
                + Settings.millis(t.validationBoundNanos) + "ms, aborted by poolguard (the pool's validation ended after " + took
                + "ms)", true, true);
        } else if (now - start >= t.validationBoundNanos) {
            // The same verdict, reached a moment before the abort: the no came when the timeout the agent gave the
            // pool's validation ran out (DBCP2's isValid(0) would have waited for ever), so the agent's bound decided.
            reportDead(pool, name, "preping.dead", "poolguard", idle, "no answer within "
                + Settings.millis(t.validationBoundNanos) + "ms, the bound poolguard gave the pool's validation (it failed after "
                + took + "ms)", true, true);
        } else if (idle >= 0 && idle < Settings.prepingIdleNanos) {
            // A connection opened or used moments before is alive: a no here says the validation cannot be believed.
            if (pool != null) {
                pool.calibrated(false, "the pool's validation failed");
            }
        } else if (pool == null || pool.trust != PoolInfo.DISTRUSTED) {
            // A driver known to answer no to live connections: the pool's verdict is its own business, not news.
            reportDead(pool, name, "preping.dead", "pool", idle, "the pool's validation failed after " + took + "ms",
                false, now - start >= graceNanos());
        }
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
