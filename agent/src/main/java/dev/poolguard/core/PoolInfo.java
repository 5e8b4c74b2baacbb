package dev.poolguard.core;

import java.lang.ref.WeakReference;
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

    final PoolAdapter adapter;
    final String name;
    /** The pool itself, so its MBean can go once the application dropped it. */
    final WeakReference<Object> pool;
    /** When the watchdog last aborted a validation of one of this pool's connections; 0 = never. */
    private volatile long silentAt;
    /** When the last exhaustion dump was written; 0 = never. */
    private volatile long lastDumpNanos;

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

    // ---- PoolMXBean ----

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
                    result[0]++;
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
