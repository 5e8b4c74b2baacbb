package dev.poolguard.core;

/**
 * One pool as JMX shows it, {@code dev.poolguard:type=Pool,name=<pool-name>}: what the agent did for it since the
 * pool was first seen, and what it holds now. Public only because JMX requires the interface to be.
 */
public interface PoolMXBean {

    /** The name the log uses for this pool. */
    String getName();

    /** The adapter, e.g. {@code hikari}; {@code driver} for bare connections. */
    String getAdapter();

    /** Leases handed to the application. */
    long getBorrows();

    /** Validations the agent ran itself at borrow. */
    long getPings();

    /** Validations of idle connections by the agent's keepalive ({@code POOLGUARD_KEEPALIVE}). */
    long getKeepalives();

    /** Validations the pool ran itself, bounded by the agent. */
    long getPoolValidations();

    /**
     * Connections found dead: at borrow by the agent's ping or the pool's own validation ({@code preping.dead}), or
     * idle by the keepalive ({@code keepalive.dead}).
     */
    long getDeadFound();

    /**
     * Dead connections the agent took out of the pool: found dead by its ping at borrow, or retired at return
     * after a connection error ({@code connection.failed}).
     */
    long getEvictedDead();

    /** Connections retired for age ({@code recycle}). */
    long getRecycled();

    /** Leases held past {@code HOLD_WARN} ({@code hold.long}). */
    long getLongHolds();

    /** Connection errors that reached the application and were diagnosed ({@code connection.failed}). */
    long getFailuresDiagnosed();

    /** Borrows that failed because the pool was exhausted. */
    long getExhausted();

    /** Returns at which the agent rolled back and restored session state the borrower left changed ({@code state.leaked}). */
    long getStateResets();

    /** Leases open now. */
    int getActiveLeases();

    /**
     * Physical connections of this pool the agent remembers: a connection is forgotten when it is closed, or when it
     * is collected after the pool dropped it without closing it. At most the pool's open connections, give or take the
     * ones closed since the watchdog last looked.
     */
    int getTrackedConnections();

    /** Age of the oldest open lease in milliseconds; 0 when none. */
    long getOldestLeaseAgeMillis();

    /** Age of the oldest open physical connection in milliseconds, counted from the driver's connect; 0 when none. */
    long getOldestConnectionAgeMillis();

    /** The longest idle time after which one of this pool's connections still answered its validation. */
    long getIdleSurvivedMaxMillis();

    /** The shortest idle time after which one of this pool's connections was found dead; -1 before any. */
    long getIdleDeadMinMillis();

    /** The idle limit on the way to the server, as inferred from the two above (see {@code idle.limit}). */
    String getIdleLimit();
}
