package dev.poolguard.core;

/**
 * Per-thread state of the borrow in progress. A borrow can nest: the advice re-borrows after evicting a dead
 * connection, and pools validate inside their borrow. All validations of one outermost borrow share one
 * deadline, so however many black-holed idle connections a borrow meets, it waits at most one ping timeout.
 */
final class BorrowContext {

    private static final ThreadLocal<BorrowContext> CURRENT = ThreadLocal.withInitial(BorrowContext::new);

    private int depth;
    private long deadline;
    /** When the outermost borrow started, for how long a failed one waited. */
    long startNanos;
    /** The pool being borrowed from, so a validation inside the borrow can be named after it. */
    Object pool;
    /** Dead connections this borrow replaced so far ({@link Connections#MAX_REPLACED_PER_BORROW}). */
    int replaced;

    static BorrowContext enter(Object pool) {
        BorrowContext c = CURRENT.get();
        if (c.depth++ == 0) {
            c.startNanos = System.nanoTime();
            c.replaced = 0;
        }
        c.pool = pool;
        return c;
    }

    /** The context of the borrow running on this thread, or null. */
    static BorrowContext current() {
        BorrowContext c = CURRENT.get();
        return c.depth > 0 ? c : null;
    }

    int depth() {
        return depth;
    }

    void exit() {
        if (--depth <= 0) {
            depth = 0;
            deadline = 0;
            pool = null;
        }
    }

    /** The shared deadline for validations in this borrow, started by the first one. */
    long validationDeadline(long now) {
        if (deadline == 0) {
            deadline = now + Settings.prepingTimeoutNanos;
            if (deadline == 0) {
                deadline = 1;
            }
        }
        return deadline;
    }

    /** The deadline for a validation starting now on this thread, inside a borrow or not. */
    static long deadlineFor(long now) {
        BorrowContext c = current();
        return c == null ? now + Settings.prepingTimeoutNanos : c.validationDeadline(now);
    }
}
