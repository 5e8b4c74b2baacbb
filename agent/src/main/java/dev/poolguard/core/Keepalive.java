package dev.poolguard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code POOLGUARD_KEEPALIVE}: a connection that sits idle in its pool is validated at least this often, so that a
 * middlebox's idle timer (Docker swarm drops TCP connections idle for 900 s, cloud load balancers after 350 s to an
 * hour) never sees it idle, and one that died anyway is known dead before a borrower meets it. It runs on a thread of
 * its own, one connection at a time, bounded like every validation, and never touches a leased connection: while it
 * validates one, a borrow or the pool's own validation of that connection waits for the verdict.
 */
final class Keepalive implements Runnable {

    private static final long MIN_SLEEP = TimeUnit.MILLISECONDS.toNanos(50);
    private static volatile Thread thread;

    private Keepalive() {
    }

    static void ensureStarted() {
        if (Settings.keepaliveNanos > 0 && thread == null) {
            start();
        }
    }

    private static synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(new Keepalive(), "poolguard-keepalive");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
        thread = t;
    }

    @Override
    public void run() {
        List<Object> connections = new ArrayList<>();
        List<Tracked> states = new ArrayList<>();
        while (true) {
            try {
                long now = System.nanoTime();
                long interval = Settings.keepaliveNanos;
                long[] next = {now + interval};
                Connections.forEach((c, t) -> {
                    // A pool's connection its adapter guards, whether borrowed yet or only opened in advance.
                    if (t.bare || t.pool == null && t.openedBy == null || t.retired || Tracked.leased(t.state())) {
                        return;
                    }
                    long due = t.lastGoodNanos + interval;
                    if (due - now <= 0) {
                        connections.add(c);
                        states.add(t);
                    } else if (due - next[0] < 0) {
                        next[0] = due;
                    }
                });
                for (int i = 0; i < connections.size(); i++) {
                    validate(connections.get(i), states.get(i), "keepalive");
                }
                connections.clear();
                states.clear();
                LockSupport.parkNanos(this, Math.max(MIN_SLEEP, next[0] - System.nanoTime()));
            } catch (Throwable e) {
                connections.clear();
                states.clear();
                Log.warnOnce("keepalive", "hook.failed", "keepalive hook=keepalive error=" + Log.describe(e)
                    + " action=idle connections validated at borrow only");
                return;
            }
        }
    }

    /**
     * Validates one idle connection off the borrow path, the keepalive's or a {@link Sweep}'s ({@code by}): a dead one
     * is retired, so that its next borrow evicts it without a ping.
     */
    static void validate(Object connection, Tracked t, String by) throws Throwable {
        t.keepaliveRunning = true; // before looking at the lease: see Connections.checkOut
        try {
            if (Tracked.leased(t.state()) || t.retired || Jdbc.isClosed(connection)) {
                return;
            }
            long start = System.nanoTime();
            PoolInfo p = t.pool; // null for a connection opened in advance and not borrowed yet
            if (p != null && !p.pinging(start)) {
                return; // the agent does not trust this pool's validation, or backs off from it for now
            }
            Validation.Verdict v = Validation.ping(t, connection, start, start + Settings.prepingTimeoutNanos);
            if (p != null && by.equals("keepalive")) {
                p.keepalives.increment();
            }
            if (v.outcome == Validation.Outcome.ALIVE) {
                if (p != null) {
                    p.survived(Connections.idleNanos(t, start));
                }
                t.lastGoodNanos = System.nanoTime();
                return;
            }
            if (v.outcome == Validation.Outcome.BUSY) {
                return; // a borrow or the pool is validating it: that verdict counts
            }
            if (v.outcome == Validation.Outcome.UNSUPPORTED) {
                if (p != null) {
                    p.distrust(v.reason);
                }
                return;
            }
            // Retired even when now closed: some drivers close a connection whose validation timed out (MariaDB's
            // does), and its pool, still holding it idle, must evict it at the next borrow, not hand it out.
            t.retired = true; // the next borrow that meets it evicts it without a ping
            Validation.reportDead(p, p != null ? p.name : t.openedBy.id(), by + ".dead", by,
                Connections.idleNanos(t, start), v.reason, false, v.silent);
        } finally {
            t.keepaliveRunning = false;
        }
    }

    /** A borrow or a pool's validation met a connection the keepalive is validating: wait for the verdict. */
    static void await(Tracked t) {
        while (t.keepaliveRunning) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }
}
