package dev.poolguard.core;

import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/** Every physical connection the agent knows, and what happens to one at borrow, at return and when opened. */
final class Connections {

    /** lastGood for a connection whose opening the agent could not have seen: long ago, so it is validated. */
    private static final long LONG_AGO = 1L << 62;
    /** A borrow that keeps meeting retired connections hands one out rather than recurse without end. */
    private static final int MAX_RETRIES = 64;
    /** The most dead connections one borrow replaces; past it, it hands out what the pool gives, unchecked. */
    static final int MAX_REPLACED_PER_BORROW = 16;

    private static final WeakIdentityMap<Object, Tracked> TRACKED = new WeakIdentityMap<>();
    private static final WeakIdentityMap<Object, PoolInfo> POOLS = new WeakIdentityMap<>();
    private static final ConcurrentHashMap<String, AtomicInteger> POOL_NUMBERS = new ConcurrentHashMap<>();
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Class-name prefixes of the enabled pools: a connection opened from there belongs to a pool. */
    static volatile String[] poolPackages = new String[0];

    private Connections() {
    }

    static Tracked find(Object physical) {
        return TRACKED.get(physical);
    }

    static Tracked track(Object physical, long now) {
        Tracked t = TRACKED.get(physical);
        if (t == null) {
            // Its opening was not seen. Attached to a running JVM, it may be as old as the pool: validated at its first
            // borrow. Otherwise the driver is one the agent does not weave, and the connection counts as opened now,
            // so it is not pinged the moment it is first handed out, when it is most likely brand new.
            long lastGood = Settings.attached ? now - LONG_AGO : now;
            t = TRACKED.putIfAbsent(physical, new Tracked(now, Settings.lifetimeNanos(), lastGood, false));
            ConnectionClasses.seen(physical);
            Watchdog.ensureStarted();
            if (Log.debugEnabled()) {
                Log.debug("connection.unknown", physical.getClass().getName() + "@"
                    + Integer.toHexString(System.identityHashCode(physical)) + " first seen at borrow or validation");
            }
        }
        return t;
    }

    /** A pool is about to hand out {@code physical}. @return false to evict it and borrow again */
    static boolean checkOut(PoolAdapter adapter, BorrowContext context, Object pool, Object physical) throws Throwable {
        long now = System.nanoTime();
        Tracked t = track(physical, now);
        PoolInfo p = t.pool;
        if (p == null || p.adapter != adapter || t.bare) {
            p = adopt(t, adapter, pool, now);
        }
        if (context.depth() > MAX_RETRIES) {
            Log.warnOnce(p.name + "/retries", "hook.failed", adapter.id() + " hook=borrow error=the pool kept handing out"
                + " connections that could not be replaced action=handed out as is");
            return true;
        }
        if (t.retired) {
            return false; // cut short while the pool validated it: already reported
        }
        if (t.expired(now)) {
            t.retired = true;
            recycled(p, "borrow", now - t.createdNanos);
            return false;
        }
        if (Settings.preping && !verified(p, t, physical, context, now)) {
            return false;
        }
        t.beginLease(now, Thread.currentThread(), Settings.captureSite() ? new Throwable("borrowed") : null);
        if (Settings.keepaliveNanos > 0) {
            // The lease is visible before the keepalive flag is read, and the keepalive sets its flag before it reads
            // the lease: one of the two sees the other, so a leased connection is never validated behind its back.
            VarHandle.fullFence();
            if (t.keepaliveRunning) {
                Keepalive.await(t);
            }
            if (t.retired) {
                t.endLease(now);
                return false;
            }
        }
        p.borrows.increment();
        return true;
    }

    /**
     * The agent's ping at borrow, for a connection idle past {@code PREPING_IDLE}, and while the pool's driver is not
     * known to answer truthfully, for a fresh one too (which is never evicted for its answer). @return false when the
     * connection failed its own ping and must be evicted
     */
    private static boolean verified(PoolInfo p, Tracked t, Object physical, BorrowContext context, long now)
            throws Throwable {
        boolean idle = now - t.lastGoodNanos >= Settings.prepingIdleNanos;
        if (!idle && p.trust != PoolInfo.TRUST_UNKNOWN || !p.pinging(now)) {
            return true;
        }
        if (idle && t.keepaliveRunning) {
            Keepalive.await(t); // a sweep is validating it: its verdict, not a second ping
            return !t.retired;
        }
        if (idle && context.replaced >= MAX_REPLACED_PER_BORROW) {
            Log.warn("preping.limit", p.name + " replaced=" + context.replaced + " in one borrow"
                + " action=handed out unchecked");
            return true;
        }
        // A connection with no known history is pinged on its own deadline, as a fresh one: spending the borrow's shared
        // one on it could evict every replacement in turn if the pool's connections are never recognised.
        long deadline = idle && idleNanos(t, now) >= 0 ? context.validationDeadline(now) : now + Settings.prepingTimeoutNanos;
        if (deadline - now < Validation.graceNanos()) {
            deadline = now + Validation.graceNanos(); // the borrow's time went on a silent one: this one gets the grace
        }
        p.pings.increment();
        Validation.Verdict v = Validation.ping(t, physical, now, deadline);
        switch (v.outcome) {
            case BUSY:
                // A sweep or the keepalive is validating it (they arm the same deadline first): wait for that verdict.
                Keepalive.await(t);
                return !t.retired;
            case ALIVE:
                if (!idle) {
                    p.calibrated(true, null);
                }
                if (Log.debugEnabled()) {
                    Log.debug(idle ? "preping.ok" : "preping.calibrated", p.name + " idle=" + idleMillis(t, now)
                        + " took=" + Settings.millis(System.nanoTime() - now) + "ms");
                }
                if (idle) {
                    p.survived(idleNanos(t, now));
                }
                t.lastGoodNanos = System.nanoTime();
                return true;
            case UNSUPPORTED:
                p.distrust(v.reason);
                return true;
            case DEAD:
                if (!idle || p.doubted()) {
                    // A fresh connection said no, or one did before and no yes has come since: the answer, not the
                    // connection, is doubted, and it is handed out as the pool would.
                    p.calibrated(false, v.reason);
                    return true;
                }
                break;
            default: // SILENT: the watchdog aborted it, fresh or not; nobody can use it now
                break;
        }
        t.retired = true;
        context.replaced++;
        p.replaced(now);
        Validation.reportDead(p, p.name, "preping.dead", "poolguard", idleNanos(t, now), v.reason, true,
            v.silent);
        return false;
    }

    /** {@link #checkIn}'s answers. */
    static final int POOL = 0, RETIRE = 1, NOT_LEASED = 2, NOT_LEASED_RETIRED = 3, UNTRACKED = 4;

    /**
     * A lease of {@code physical} is going back to its pool.
     * @return {@link #RETIRE} to retire it instead of pooling it, {@link #POOL} to pool it; with no lease to end (the
     *   pool closing a lease it took itself, a second close) {@link #NOT_LEASED}, or {@link #NOT_LEASED_RETIRED} when
     *   the agent has retired it (its own eviction); {@link #UNTRACKED} for a connection it does not know (any more)
     */
    static int checkIn(Object physical) throws Throwable {
        Tracked t = TRACKED.get(physical);
        if (t == null) {
            return UNTRACKED;
        }
        if (!Tracked.leased(t.state())) {
            // Before the clock and the lease fields: a pool may close leases of its own on another thread at every
            // check-in (c3p0 does), and reading less there keeps the borrower's lines in the borrower's cache.
            return t.retired ? NOT_LEASED_RETIRED : NOT_LEASED;
        }
        long now = System.nanoTime();
        Thread holder = t.leaseThread();
        Throwable site = t.leaseSite();
        StateHygiene.BorrowState changed = t.borrowState;
        long ended = t.endLease(now);
        if (ended < 0) {
            // ended since the read above: a second close, or the watchdog giving up on a connection it closed
            return t.retired ? NOT_LEASED_RETIRED : NOT_LEASED;
        }
        t.lastGoodNanos = now;
        PoolInfo p = t.pool;
        if ((ended & 1) == 1) {
            HoldLog.returned(p, holder, ended >>> 1);
        }
        if (t.retired) {
            if (p != null) {
                p.evictedDead.increment();
            }
            return RETIRE; // it failed while leased (connection.failed): the pool must not pool it again
        }
        if (t.expired(now)) {
            t.retired = true;
            recycled(p, "return", now - t.createdNanos);
            return RETIRE;
        }
        if (changed != null && p != null && StateHygiene.returned(p, physical, changed, site)) {
            t.stateRestored = true;
        }
        return POOL;
    }

    private static void recycled(PoolInfo p, String at, long age) {
        if (p != null) {
            p.recycled.increment();
        }
        Log.info("recycle", (p == null ? "unknown" : p.name) + " at=" + at + " age=" + Settings.millis(age) + "ms");
        Jfr.recycle(p, at, age);
    }

    /**
     * A driver opened {@code connection}: its age starts now. If the application opened it, it is a bare lease; if a
     * pool the agent does not guard did ({@link UnknownPools}), it is left alone: no lease, no ping.
     */
    static void opened(PoolAdapter driver, Object connection) {
        if (TRACKED.get(connection) != null) {
            return; // a driver's connect calling another connect that returns the same connection
        }
        long now = System.nanoTime();
        StackWalker.StackFrame poolFrame = poolFrame();
        boolean bare = poolFrame == null && UnknownPools.openerOf(connection) == null;
        Tracked t = new Tracked(now, Settings.lifetimeNanos(), now, bare);
        t.openedBy = poolFrame == null ? null : guardingAdapter(poolFrame);
        if (TRACKED.putIfAbsent(connection, t) != t) {
            return;
        }
        ConnectionClasses.seen(connection);
        if (Log.debugEnabled()) {
            Log.debug("connection.opened", connection.getClass().getName() + "@"
                + Integer.toHexString(System.identityHashCode(connection)) + " bare=" + bare);
        }
        if (bare) {
            t.pool = poolInfo(driver, driver);
            AppLogging.seen(connection.getClass().getClassLoader()); // no pool: the driver's loader is the app's
            // Opening costs a round trip: beside it the stack is cheap, so auto captures it from the start.
            Throwable site = Settings.holdStack != Settings.STACK_NEVER ? new Throwable("opened") : null;
            t.beginLease(now, Thread.currentThread(), site);
            t.pool.borrows.increment();
        }
        Watchdog.ensureStarted();
    }

    static PoolInfo adopt(Tracked t, PoolAdapter adapter, Object pool, long now) {
        if (t.bare) {
            t.bare = false; // a pool took over a connection that looked bare when it was opened
            t.endLease(now);
        }
        PoolInfo p = poolInfo(adapter, pool);
        t.pool = p;
        return p;
    }

    static PoolInfo poolInfo(PoolAdapter adapter, Object pool) {
        PoolInfo p = POOLS.get(pool);
        return p != null ? p : newPoolInfo(adapter, pool);
    }

    /** Once per pool; the lock only keeps the numbering free of gaps. */
    private static synchronized PoolInfo newPoolInfo(PoolAdapter adapter, Object pool) {
        PoolInfo p = POOLS.get(pool);
        if (p == null) {
            String name = pool == adapter ? adapter.id() : adapter.poolName(pool);
            if (name == null || name.isEmpty() || name.indexOf(' ') >= 0) {
                name = adapter.id() + "-" + POOL_NUMBERS.computeIfAbsent(adapter.id(), k -> new AtomicInteger()).incrementAndGet();
            }
            p = POOLS.putIfAbsent(pool, new PoolInfo(adapter, name, pool));
            Jmx.register(p);
            AppLogging.seen(pool.getClass().getClassLoader());
        }
        return p;
    }

    /**
     * A physical connection was closed: a bare lease ends here, and so does a retired one's. The agent forgets it,
     * unless it retired it or is validating it: a driver may close a connection whose validation it gave up on
     * (pgjdbc's and MariaDB's do, inside isValid) while its pool still holds it idle, and the pool's next attempt to
     * hand it out must find it retired, not take it for a connection never seen (it is forgotten once collected).
     */
    static void closed(Object connection) {
        Tracked t = TRACKED.get(connection);
        if (t == null) {
            return;
        }
        if (t.bare || t.retired) {
            // A bare lease ends at close; so does the lease of one that failed while leased and that its pool discards
            // without a return (HikariCP and Druid do on a fatal error): nobody can use it any more.
            Thread holder = t.leaseThread();
            long ended = t.endLease(System.nanoTime());
            if (ended >= 0 && (ended & 1) == 1) {
                HoldLog.returned(t.pool, holder, ended >>> 1);
            }
        }
        if (!t.retired && !t.validating()) {
            TRACKED.remove(connection);
        }
    }

    /** The innermost frame of an enabled pool's code on this thread's stack; null when no pool is opening it. */
    private static StackWalker.StackFrame poolFrame() {
        return poolPackages.length == 0 ? null
            : WALKER.walk(frames -> frames.filter(f -> inPoolPackage(f.getClassName())).findFirst().orElse(null));
    }

    /** The adapter that guards the pool code of {@code frame}: its package, and its advice fits that class loader. */
    private static PoolAdapter guardingAdapter(StackWalker.StackFrame frame) {
        PoolAdapter adapter = Agent.adapterOwning(frame.getClassName());
        return adapter != null && adapter.guards(frame.getDeclaringClass().getClassLoader()) ? adapter : null;
    }

    static boolean inPoolPackage(String className) {
        for (String prefix : poolPackages) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static String idleMillis(Tracked t, long now) {
        long idle = idleNanos(t, now);
        return idle < 0 ? "unknown" : Settings.millis(idle) + "ms";
    }

    /** How long the connection sat since it was last known good (opened, returned, validated); -1 when not known. */
    static long idleNanos(Tracked t, long now) {
        long idle = now - t.lastGoodNanos;
        return idle >= LONG_AGO / 2 ? -1 : idle;
    }

    /** Entries held, including those whose connection was collected and is not yet dropped from the map. */
    static int trackedCount() {
        return TRACKED.size();
    }

    static void forEach(BiConsumer<Object, Tracked> action) {
        TRACKED.forEach(action);
    }

    static void forget(Object connection) {
        TRACKED.remove(connection);
    }
}
