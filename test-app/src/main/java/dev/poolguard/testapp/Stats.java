package dev.poolguard.testapp;

import java.util.HashSet;
import java.util.Set;

/** What one (pool, scenario) run saw: the numbers behind its RESULT and DETAIL lines. Thread-safe. */
final class Stats {
    private int ok;
    private int failed;
    private long maxBorrowMs;
    private final Set<Long> sessions = new HashSet<>();
    private Throwable firstError;

    synchronized void ok() {
        ok++;
    }

    synchronized void failed(Throwable error) {
        failed(error, 1);
    }

    /** {@code count} requests failed with the same error (a request that hung, and those it kept from running). */
    synchronized void failed(Throwable error, int count) {
        failed += count;
        if (firstError == null) {
            firstError = error;
        }
    }

    synchronized void borrowed(long millis) {
        maxBorrowMs = Math.max(maxBorrowMs, millis);
    }

    synchronized void session(long id) {
        sessions.add(id);
    }

    synchronized Set<Long> sessionIds() {
        return new HashSet<>(sessions);
    }

    /** Takes in what a request recorded on its own, once it is known to have finished in time. */
    synchronized void add(Stats other) {
        synchronized (other) {
            ok += other.ok;
            borrowed(other.maxBorrowMs);
            sessions.addAll(other.sessions);
            if (other.failed > 0) {
                failed(other.firstError, other.failed);
            }
        }
    }

    synchronized String result() {
        return "ok=" + ok + " failed=" + failed + " max_borrow_ms=" + maxBorrowMs;
    }

    /** @param library the jar the pool (or driver) was loaded from, so a run shows which version it exercised */
    synchronized String detail(String library) {
        String error = firstError == null ? "none" : firstError.toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return "sessions=" + sessions.size() + " library=" + library + " first_error=" + error;
    }
}
