package dev.poolguard.core;

/** One pool instance as the log names it. */
final class PoolInfo {

    final PoolAdapter adapter;
    final String name;
    /** When the watchdog last aborted a validation of one of this pool's connections; 0 = never. */
    private volatile long silentAt;

    PoolInfo(PoolAdapter adapter, String name) {
        this.adapter = adapter;
        this.name = name;
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
