package dev.poolguard.core;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * What the agent knows about one physical connection: its age, when it was last known good, and its current
 * lease. Lease fields are written only by the thread that holds the lease; the watchdog reads them and may
 * set the warned bit, so the lease state is one word: {@code sequence << 1 | warned}, where an odd sequence
 * means leased. A CAS on that word makes {@code hold.long} and {@code hold.returned} exactly-once.
 */
final class Tracked {

    private static final AtomicLongFieldUpdater<Tracked> STATE = AtomicLongFieldUpdater.newUpdater(Tracked.class, "state");
    private static final AtomicLongFieldUpdater<Tracked> VALIDATION =
        AtomicLongFieldUpdater.newUpdater(Tracked.class, "validationDeadline");
    private static final AtomicIntegerFieldUpdater<Tracked> FAILED =
        AtomicIntegerFieldUpdater.newUpdater(Tracked.class, "failed");

    /** Set by the watchdog when it aborted a validation that ran past its deadline. */
    static final long ABORTED = Long.MIN_VALUE;

    final long createdNanos;
    /** Max lifetime for this connection, jitter applied; {@code Long.MAX_VALUE} when recycling is off. */
    final long lifetimeNanos;
    /** Opened by the application itself, outside any pool, and not (yet) seen in one. */
    volatile boolean bare;
    /** The adapter whose pool opened this connection, when its advice fits that pool; null for a bare one. */
    volatile PoolAdapter openedBy;
    /** The adapter whose pool last validated this connection, for naming it before its first borrow. */
    volatile PoolAdapter validatedBy;

    volatile PoolInfo pool;
    /** Last time the connection was known to work: opened, returned, or validated. */
    volatile long lastGoodNanos;
    /** Non-zero while a validation runs: the instant the watchdog aborts it. */
    volatile long validationDeadline;
    /** Evicted or aborted by the agent: must not be handed out again. */
    volatile boolean retired;
    /**
     * Start of the last call on the connection that succeeded (statement execution, commit, rollback). Written by
     * the thread using it, read when a call fails: plain, a stale value only blurs one diagnostic.
     */
    long lastUsedNanos;
    /**
     * This lease's time inside the driver's calls, and when its last call ended (0: none yet). Written by the holder,
     * read by the watchdog for {@code hold.long}: plain, as {@link #lastUsedNanos}.
     */
    long leaseUsedNanos;
    long leaseLastCallEndNanos;
    /** 1 once a connection error from this connection was reported. */
    private volatile int failed;
    /** When the pool's guarded validation began and how long it may take; only its own thread reads them. */
    long validationStartNanos;
    long validationBoundNanos;

    /** Borrow-time values of the session state the current lease changed; null while it changed nothing. */
    StateHygiene.BorrowState borrowState;
    /** Set while the keepalive validates this (idle) connection. */
    volatile boolean keepaliveRunning;
    /** Set when the agent restored the state at return, for a pool that caches it (DBCP2). */
    volatile boolean stateRestored;

    private volatile long state;
    private long leaseNanos;
    private Thread leaseThread;
    private Throwable leaseSite;

    Tracked(long createdNanos, long lifetimeNanos, long lastGoodNanos, boolean bare) {
        this.createdNanos = createdNanos;
        this.lifetimeNanos = lifetimeNanos;
        this.lastGoodNanos = lastGoodNanos;
        this.bare = bare;
    }

    boolean expired(long now) {
        return now - createdNanos >= lifetimeNanos;
    }

    // ---- lease, by its holder ----

    void beginLease(long now, Thread thread, Throwable site) {
        long s = state;
        if (leased(s)) {
            return; // a lease already open (bare connection adopted by a pool, or a pool handing out twice)
        }
        leaseNanos = now;
        leaseThread = thread;
        leaseSite = site;
        leaseUsedNanos = 0;
        leaseLastCallEndNanos = 0;
        borrowState = null;
        STATE.lazySet(this, (sequence(s) + 1) << 1);
    }

    /**
     * Ends the open lease, if any.
     *
     * @return -1 when there was no lease, else {@code heldNanos << 1 | 1 if the watchdog warned about it}
     */
    long endLease(long now) {
        long s = state;
        if (!leased(s)) {
            return -1;
        }
        long held = Math.max(0, now - leaseNanos);
        leaseThread = null;
        leaseSite = null;
        long old = STATE.getAndSet(this, (sequence(s) + 1) << 1);
        return held << 1 | (old & 1);
    }

    // ---- lease, by the watchdog ----

    long state() {
        return state;
    }

    long leaseNanos() {
        return leaseNanos;
    }

    Thread leaseThread() {
        return leaseThread;
    }

    Throwable leaseSite() {
        return leaseSite;
    }

    /** Succeeds only while the lease seen as {@code s} is still open and not yet warned about. */
    boolean markWarned(long s) {
        return STATE.compareAndSet(this, s, s | 1);
    }

    static boolean leased(long s) {
        return (sequence(s) & 1) == 1;
    }

    static boolean warned(long s) {
        return (s & 1) == 1;
    }

    private static long sequence(long s) {
        return s >>> 1;
    }

    /** @return true for the first caller only */
    boolean markFailed() {
        return failed == 0 && FAILED.compareAndSet(this, 0, 1);
    }

    // ---- validation deadline ----

    /** @return false when another validation of this connection is already guarded */
    boolean armValidation(long deadline) {
        return VALIDATION.compareAndSet(this, 0, deadline == 0 ? 1 : deadline);
    }

    /** @return true when the watchdog aborted the validation */
    boolean disarmValidation() {
        return VALIDATION.getAndSet(this, 0) == ABORTED;
    }

    /** Whether a validation of it is running: the agent's, the keepalive's, a sweep's, or one it guards. */
    boolean validating() {
        return validationDeadline != 0 || keepaliveRunning;
    }

    boolean abortValidation(long deadline) {
        return VALIDATION.compareAndSet(this, deadline, ABORTED);
    }
}
