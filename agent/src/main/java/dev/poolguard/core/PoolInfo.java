package dev.poolguard.core;

import java.lang.ref.WeakReference;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.LongAdder;

/**
 * One pool instance: the name the log gives it, and what the agent did for it. Counters are {@link LongAdder}s, so
 * the borrow path takes no lock and threads do not contend on one word. The gauges walk the tracked connections
 * when read, which only JMX does.
 */
final class PoolInfo implements PoolMXBean {

    private static final AtomicLongFieldUpdater<PoolInfo> LAST_DUMP =
        AtomicLongFieldUpdater.newUpdater(PoolInfo.class, "lastDumpNanos");
    private static final AtomicLongFieldUpdater<PoolInfo> PAUSED =
        AtomicLongFieldUpdater.newUpdater(PoolInfo.class, "pausedUntil");
    private static final AtomicLongFieldUpdater<PoolInfo> SWEEP =
        AtomicLongFieldUpdater.newUpdater(PoolInfo.class, "lastSweep");
    private static final AtomicIntegerFieldUpdater<PoolInfo> TRUST =
        AtomicIntegerFieldUpdater.newUpdater(PoolInfo.class, "trust");

    /** Whether the driver's {@code isValid} can be believed on this pool ({@link #trust}). */
    static final int TRUST_UNKNOWN = 0, TRUSTED = 1, DISTRUSTED = 2;
    /** Noes before the driver is distrusted: from fresh connections, or from any once a fresh one said no. */
    static final int FRESH_FAILURES = 2;
    /** The most dead connections the agent replaces in one pool per window before it backs off for a pause. */
    static final int MAX_REPLACEMENTS = 100;
    static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
    static final long PAUSE_NANOS = TimeUnit.SECONDS.toNanos(60);

    final PoolAdapter adapter;
    final String name;
    /** The pool itself, so its MBean can go once the application dropped it. */
    final WeakReference<Object> pool;
    /** When the watchdog last aborted a validation of one of this pool's connections; 0 = never. */
    private volatile long silentAt;
    /** When the last exhaustion dump was written; 0 = never. */
    private volatile long lastDumpNanos;
    /** {@link #TRUST_UNKNOWN} until a connection opened moments before answers its first ping. */
    volatile int trust;
    private final AtomicInteger freshFailures = new AtomicInteger();
    /** Replacements in the window that began at {@link #windowStart}; pings are off until {@link #pausedUntil}. */
    private final AtomicInteger replacements = new AtomicInteger();
    private volatile long windowStart;
    private volatile long pausedUntil;
    /** When the last {@link Sweep} of this pool began; 0 = never. */
    private volatile long lastSweep;

    final IdleLimit idleLimit = new IdleLimit();
    final LongAdder borrows = new LongAdder();
    final LongAdder pings = new LongAdder();
    final LongAdder keepalives = new LongAdder();
    final LongAdder poolValidations = new LongAdder();
    final LongAdder deadFound = new LongAdder();
    final LongAdder evictedDead = new LongAdder();
    final LongAdder recycled = new LongAdder();
    final LongAdder longHolds = new LongAdder();
    final LongAdder failuresDiagnosed = new LongAdder();
    final LongAdder exhausted = new LongAdder();
    final LongAdder stateResets = new LongAdder();

    PoolInfo(PoolAdapter adapter, String name, Object pool) {
        this.adapter = adapter;
        this.name = name;
        this.pool = new WeakReference<>(pool);
    }

    /** At most one exhaustion dump per {@code interval}: true for the caller that may write the next one. */
    boolean mayDump(long now, long interval) {
        long last = lastDumpNanos;
        return (last == 0 || now - last >= interval) && LAST_DUMP.compareAndSet(this, last, now == 0 ? 1 : now);
    }

    /** One of this pool's connections did not answer a validation in time. */
    void silent(long now) {
        silentAt = now == 0 ? 1 : now;
    }

    /**
     * Whether a connection of this pool went silent within the last ping timeout. A middlebox that swallowed one
     * idle connection has swallowed the others idle as long, so the pool's own sweep of them (UCP validates every
     * available connection after one fails) need not wait a full timeout per connection.
     */
    boolean silentWithinTimeout(long now) {
        long at = silentAt;
        return at != 0 && now - at < Settings.prepingTimeoutNanos;
    }

    // ---- how far the agent acts on this pool ----

    /** Whether the agent pings this pool's connections now: not when it cannot trust the answers, nor in a pause. */
    boolean pinging(long now) {
        long paused = pausedUntil;
        return trust != DISTRUSTED && (paused == 0 || now - paused >= 0);
    }

    /**
     * A ping of a connection opened moments before answered {@code alive} or not. A fresh connection is alive, so
     * true makes the driver's answers believable here, and {@link #FRESH_FAILURES} noes make them worthless (after a
     * fresh connection's no, an idle connection's no counts too: see {@link #doubted}).
     */
    void calibrated(boolean alive, String reason) {
        if (alive) {
            TRUST.compareAndSet(this, TRUST_UNKNOWN, TRUSTED);
        } else if (freshFailures.incrementAndGet() == FRESH_FAILURES) {
            distrust(reason + " on " + FRESH_FAILURES + " connections opened moments before");
        }
    }

    /** Whether a fresh connection said no while no yes has come yet: the driver's no is not believed meanwhile. */
    boolean doubted() {
        return trust == TRUST_UNKNOWN && freshFailures.get() > 0;
    }

    /** The driver cannot tell a live connection from a dead one here: the agent stops pinging, once and for all. */
    void distrust(String reason) {
        if (TRUST.getAndSet(this, DISTRUSTED) != DISTRUSTED) {
            Log.warn("preping.disabled", name + " reason=" + reason + " action=not pinged from now on;"
                + " the pool runs as without the agent's validation");
        }
    }

    /**
     * The agent replaced one dead connection. Past {@link #MAX_REPLACEMENTS} in a window it pauses its pings on this
     * pool, whatever the driver does: replacing connections must never become a loop.
     */
    void replaced(long now) {
        long start = windowStart;
        if (start == 0 || now - start >= WINDOW_NANOS) {
            windowStart = now == 0 ? 1 : now; // a race here only starts a window twice
            replacements.set(0);
        }
        if (replacements.incrementAndGet() == MAX_REPLACEMENTS + 1) {
            long paused = pausedUntil;
            long until = now + PAUSE_NANOS;
            if ((paused == 0 || now - paused >= 0) && PAUSED.compareAndSet(this, paused, until == 0 ? 1 : until)) {
                Log.warn("preping.paused", name + " replaced=" + MAX_REPLACEMENTS + " in "
                    + Settings.millis(WINDOW_NANOS) / 1000 + "s action=not pinged for the next "
                    + Settings.millis(PAUSE_NANOS) / 1000 + "s");
            }
        }
    }

    /** At most one sweep per ping timeout: the one running already covers what went silent meanwhile. */
    boolean mayStartSweep(long now) {
        long last = lastSweep;
        return (last == 0 || now - last >= Settings.prepingTimeoutNanos)
            && SWEEP.compareAndSet(this, last, now == 0 ? 1 : now) && pinging(now);
    }

    /** A connection idle {@code idleNanos} (-1: not known) answered its validation. */
    void survived(long idleNanos) {
        if (idleNanos < 0) {
            return;
        }
        String line = idleLimit.alive(name, idleNanos);
        if (line != null) {
            Log.info("idle.limit", line);
        }
    }

    // ---- PoolMXBean ----

    @Override
    public long getIdleSurvivedMaxMillis() {
        return idleLimit.longestAliveMillis();
    }

    @Override
    public long getIdleDeadMinMillis() {
        return idleLimit.shortestDeadMillis();
    }

    @Override
    public String getIdleLimit() {
        return idleLimit.verdict();
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public String getAdapter() {
        return adapter.id();
    }

    @Override
    public long getBorrows() {
        return borrows.sum();
    }

    @Override
    public long getPings() {
        return pings.sum();
    }

    @Override
    public long getKeepalives() {
        return keepalives.sum();
    }

    @Override
    public long getPoolValidations() {
        return poolValidations.sum();
    }

    @Override
    public long getDeadFound() {
        return deadFound.sum();
    }

    @Override
    public long getEvictedDead() {
        return evictedDead.sum();
    }

    @Override
    public long getRecycled() {
        return recycled.sum();
    }

    @Override
    public long getLongHolds() {
        return longHolds.sum();
    }

    @Override
    public long getFailuresDiagnosed() {
        return failuresDiagnosed.sum();
    }

    @Override
    public long getExhausted() {
        return exhausted.sum();
    }

    @Override
    public long getStateResets() {
        return stateResets.sum();
    }

    @Override
    public int getActiveLeases() {
        return (int) gauge(Gauge.LEASES);
    }

    @Override
    public int getTrackedConnections() {
        return (int) gauge(Gauge.TRACKED);
    }

    @Override
    public long getOldestLeaseAgeMillis() {
        return gauge(Gauge.OLDEST_LEASE);
    }

    @Override
    public long getOldestConnectionAgeMillis() {
        return gauge(Gauge.OLDEST_CONNECTION);
    }

    private enum Gauge { LEASES, TRACKED, OLDEST_LEASE, OLDEST_CONNECTION }

    private long gauge(Gauge gauge) {
        long now = System.nanoTime();
        long[] result = new long[1];
        Connections.forEach((c, t) -> {
            if (t.pool != this) {
                return;
            }
            boolean leased = Tracked.leased(t.state());
            switch (gauge) {
                case LEASES:
                    result[0] += leased ? 1 : 0;
                    break;
                case TRACKED:
                    // A retired connection its pool has closed is kept only until collected (see Watchdog): not counted.
                    result[0] += t.retired && !leased && Jdbc.isClosed(c) ? 0 : 1;
                    break;
                case OLDEST_LEASE:
                    result[0] = leased ? Math.max(result[0], now - t.leaseNanos()) : result[0];
                    break;
                default:
                    result[0] = t.retired || Jdbc.isClosed(c) ? result[0] : Math.max(result[0], now - t.createdNanos);
            }
        });
        return gauge == Gauge.LEASES || gauge == Gauge.TRACKED ? result[0] : Settings.millis(result[0]);
    }
}
