package dev.poolguard.core;


/**
 * The calls that advice inlined into pools and drivers makes. Only JDK types cross this boundary, so any class
 * loader can link them. Each entry point catches everything: a failure here logs {@code hook.failed} once,
 * turns that hook off for that adapter, and answers as if the agent were absent.
 */
public final class Hooks {

    private Hooks() {
    }

    /** At the start of a pool's borrow. @return the thread's borrow context, or null when the hook is off */
    public static Object borrowEnter(String adapterId, Object pool) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (adapter == null || adapter.off(PoolAdapter.Hook.BORROW)) {
            return null;
        }
        try {
            return BorrowContext.enter(pool);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.BORROW, t);
            return null;
        }
    }

    /**
     * After a borrow returned {@code physical}'s lease. @return true to hand it out; false when it is expired or
     * dead, and the advice must evict it through the pool and borrow again
     */
    public static boolean borrowExit(String adapterId, Object context, Object pool, Object physical) {
        if (context == null) {
            return true;
        }
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (physical == null) {
            // A lease always has a physical connection: a driver or wrapper whose unwrap answers null hides it.
            fail(adapter, PoolAdapter.Hook.BORROW, new IllegalStateException("no physical connection behind the"
                + " pool's lease (a wrapper's unwrap returned null)"));
            return true;
        }
        try {
            return Connections.checkOut(adapter, (BorrowContext) context, pool, physical);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.BORROW, t);
            return true;
        }
    }

    /** A borrow is about to throw {@code thrown} to the app: if the pool ran dry, say who holds it. */
    public static void borrowFailed(String adapterId, Object context, Object pool, Throwable thrown) {
        if (context == null || thrown == null) {
            return;
        }
        PoolAdapter adapter = Agent.adapter(adapterId);
        try {
            Exhaustion.borrowFailed(adapter, (BorrowContext) context, pool, thrown);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.BORROW, t);
        }
    }

    /** Last thing a borrow does, whatever happened. */
    public static void borrowDone(Object context) {
        if (context != null) {
            ((BorrowContext) context).exit();
        }
    }

    /** When a lease of {@code physical} goes back to the pool. @return true to retire it instead of pooling it */
    public static boolean returning(String adapterId, Object physical) {
        return checkIn(adapterId, physical) == Connections.RETIRE;
    }

    /** {@link #returningLease}'s answers. */
    public static final int RETIRE = 1, POOL = 0, NOT_LEASED = -1;

    /**
     * As {@link #returning}, for a pool whose return path also runs when it closes a lease it took itself, and which
     * must be told about a connection the agent is evicting. @param resource the pool's own record of the connection,
     * as given to {@link #poolWorkEnter} @return {@link #RETIRE} to retire it (when a lease ended, as
     * {@link #returning}; with no lease, when the agent is evicting it); {@link #NOT_LEASED} when no lease ended and
     * the agent has nothing to say, and always during the pool's own work on this connection; {@link #POOL}
     * otherwise, also when the hook is off or the connection unknown
     */
    public static int returningLease(String adapterId, Object physical, Object resource) {
        if (resource != null && POOL_WORK.get() == resource) {
            return NOT_LEASED; // the pool closing a lease of its own: no look at the connection (see poolWorkEnter)
        }
        switch (checkIn(adapterId, physical)) {
            case Connections.RETIRE:
            case Connections.NOT_LEASED_RETIRED:
                return RETIRE;
            case Connections.NOT_LEASED:
                return NOT_LEASED;
            default:
                return POOL;
        }
    }

    /**
     * Per thread, the connection the pool is working on itself ({@link #poolWorkEnter}); null outside such work (an
     * app's thread pays one map entry for it).
     */
    private static final ThreadLocal<Object> POOL_WORK = new ThreadLocal<Object>();

    /**
     * The pool starts its own work on one connection on this thread ({@code resource}, its record of it): c3p0's
     * check-in, on its helper threads or on the app's. Until {@link #poolWorkExit}, {@link #returningLease} answers
     * {@link #NOT_LEASED} for that connection without looking it up: reading its lease there, on another core than
     * the borrower's, would cost the borrower a cache miss at its next write to it. A lease of any other connection,
     * taken and closed by code running inside the work (a callback, a logger writing to a database), still ends.
     * @return the connection marked before, for {@link #poolWorkExit}
     */
    public static Object poolWorkEnter(Object resource) {
        Object previous = POOL_WORK.get();
        POOL_WORK.set(resource);
        return previous;
    }

    /** The end of what {@link #poolWorkEnter} began, whether the work succeeded or threw: restores {@code previous}. */
    public static void poolWorkExit(Object previous) {
        POOL_WORK.set(previous);
    }

    private static int checkIn(String adapterId, Object physical) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (physical == null || adapter == null || adapter.off(PoolAdapter.Hook.RETURN)) {
            return Connections.UNTRACKED;
        }
        try {
            return Connections.checkIn(physical);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.RETURN, t);
            return Connections.UNTRACKED;
        }
    }

    /** Before the pool validates {@code physical} itself. @return a token for {@link #validateExit}, or null */
    public static Object validateEnter(String adapterId, Object physical) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (physical == null || adapter == null || adapter.off(PoolAdapter.Hook.VALIDATE)) {
            return null;
        }
        try {
            return Validation.guard(adapter, physical);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.VALIDATE, t);
            return null;
        }
    }

    /**
     * @param validated false when the pool decided not to validate after all (its own skip window)
     * @param alive     the pool's verdict
     */
    public static void validateExit(Object token, boolean validated, boolean alive) {
        if (token != null) {
            try {
                Validation.unguard((Tracked) token, validated, alive);
            } catch (Throwable t) {
                fail(((Tracked) token).pool == null ? null : ((Tracked) token).pool.adapter, PoolAdapter.Hook.VALIDATE, t);
            }
        }
    }

    /** A driver's {@code isValid(seconds)} is starting. @return the timeout to use: capped while guarded */
    public static int validTimeout(String adapterId, Object connection, int seconds) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (adapter == null || adapter.off(PoolAdapter.Hook.VALIDATE)) {
            return seconds;
        }
        try {
            return Validation.cappedSeconds(connection, seconds);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.VALIDATE, t);
            return seconds;
        }
    }

    /** After a driver opened {@code connection}. */
    public static void connected(String adapterId, Object connection) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (connection == null || adapter == null || adapter.off(PoolAdapter.Hook.CONNECT)) {
            return;
        }
        try {
            Connections.opened(adapter, connection);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.CONNECT, t);
        }
    }

    /**
     * After a call on a driver's connection or statement that started at {@code start}: remembers when the
     * connection was last used; if it failed with a connection error, reports and retires the connection.
     */
    public static void called(String adapterId, Object connection, long start, Throwable thrown) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (connection == null || adapter == null || adapter.off(PoolAdapter.Hook.DIAGNOSE)) {
            return;
        }
        try {
            Tracked t = Connections.find(connection);
            if (t == null) {
                return;
            }
            if (thrown == null) {
                long end = System.nanoTime();
                t.lastUsedNanos = start;
                t.leaseUsedNanos += end - start;
                t.leaseLastCallEndNanos = end;
            } else {
                Failures.failed(t, connection, thrown, start);
            }
        } catch (Throwable e) {
            fail(adapter, PoolAdapter.Hook.DIAGNOSE, e);
        }
    }

    /** A setter of session state (autocommit, read-only, isolation, catalog, schema) is about to run. */
    public static void stateChanging(String adapterId, Object connection, String setterName) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (connection == null || adapter == null || adapter.off(PoolAdapter.Hook.STATE)) {
            return;
        }
        try {
            Tracked t = Connections.find(connection);
            if (t != null && !t.bare && Tracked.leased(t.state())) {
                StateHygiene.changing(t, connection, setterName);
            }
        } catch (Throwable e) {
            fail(adapter, PoolAdapter.Hook.STATE, e);
        }
    }

    /** Whether the agent restored {@code physical}'s state at its last return (read once). */
    public static boolean stateRestored(String adapterId, Object physical) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (physical == null || adapter == null || adapter.off(PoolAdapter.Hook.RETURN)) {
            return false;
        }
        Tracked t = Connections.find(physical);
        if (t == null || !t.stateRestored) {
            return false;
        }
        t.stateRestored = false;
        return true;
    }

    /** After a physical connection's {@code close()}. */
    public static void closed(String adapterId, Object connection) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (adapter == null || adapter.off(PoolAdapter.Hook.CONNECT)) {
            return;
        }
        try {
            Connections.closed(connection);
        } catch (Throwable t) {
            fail(adapter, PoolAdapter.Hook.CONNECT, t);
        }
    }

    /**
     * Drops a claimed connection the agent found dead through the pool's own removal (see
     * {@link PoolAdapter#discardClaimed}). @return false when the advice must use its fallback
     */
    public static boolean discardClaimed(String adapterId, Object pool, Object connection) {
        PoolAdapter adapter = Agent.adapter(adapterId);
        if (adapter == null) {
            return false;
        }
        try {
            return adapter.discardClaimed(pool, connection);
        } catch (Throwable t) {
            Log.warnOnce(adapterId + "/discardClaimed", "adapter.fallback", adapterId + " error=" + Log.describe(t)
                + " action=dead connections handed back to the pool instead (its active-count metric may drift)");
            return false;
        }
    }

    /** Called by Byte Buddy when inlined advice itself throws; {@code where} is {@code <adapter>/<hook>}. */
    public static void adviceFailed(Throwable t, String where) {
        try {
            int slash = where.indexOf('/');
            PoolAdapter adapter = Agent.adapter(where.substring(0, slash));
            String hook = where.substring(slash + 1);
            for (PoolAdapter.Hook h : PoolAdapter.Hook.values()) {
                if (h.label().equals(hook)) {
                    fail(adapter, h, t);
                }
            }
        } catch (Throwable ignored) {
            // Nothing may escape into the pool.
        }
    }

    static void fail(PoolAdapter adapter, PoolAdapter.Hook hook, Throwable t) {
        if (adapter == null) {
            return;
        }
        adapter.disable(hook);
        Log.warnOnce(adapter.id() + "/" + hook, "hook.failed", adapter.id() + " hook=" + hook.label()
            + " error=" + Log.describe(t) + " action=hook disabled, pool runs as without the agent");
    }
}
