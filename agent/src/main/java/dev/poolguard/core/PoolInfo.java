package dev.poolguard.core;

import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/** One pool instance as the log names it. */
final class PoolInfo {

    private static final AtomicLongFieldUpdater<PoolInfo> LAST_DUMP =
        AtomicLongFieldUpdater.newUpdater(PoolInfo.class, "lastDumpNanos");

    final PoolAdapter adapter;
    final String name;
    /** When the watchdog last aborted a validation of one of this pool's connections; 0 = never. */
    private volatile long silentAt;
    /** When the last exhaustion dump was written; 0 = never. */
    private volatile long lastDumpNanos;

    PoolInfo(PoolAdapter adapter, String name) {
        this.adapter = adapter;
        this.name = name;
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
}
