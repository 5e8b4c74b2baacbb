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
                    validate(connections.get(i), states.get(i));
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

    private static void validate(Object connection, Tracked t) throws Throwable {
        t.keepaliveRunning = true; // before looking at the lease: see Connections.checkOut
        try {
            if (Tracked.leased(t.state()) || t.retired || Jdbc.isClosed(connection)) {
                return;
            }
            long start = System.nanoTime();
            long deadline = start + Settings.prepingTimeoutNanos;
            if (!t.armValidation(deadline)) {
                return; // the pool is validating it itself
            }
            Watchdog.armed(deadline);
            boolean valid = false;
            Throwable error = null;
            try {
                valid = Jdbc.isValid(connection, Validation.seconds(Settings.prepingTimeoutNanos));
            } catch (Throwable e) {
                if (!Jdbc.isSqlException(e) && !t.disarmValidation()) {
                    throw e;
                }
                error = e;
            }
            boolean aborted = t.disarmValidation();
            PoolInfo p = t.pool; // null for a connection opened in advance and not borrowed yet
            if (p != null) {
                p.keepalives.increment();
            }
            if (valid && !aborted) {
                t.lastGoodNanos = System.nanoTime();
                return;
            }
            if (!aborted && Jdbc.isClosed(connection)) {
                return; // its pool closed it meanwhile (shrinking, or the pool itself closing)
            }
            t.retired = true; // the next borrow that meets it evicts it without a ping
            if (p != null) {
                p.deadFound.increment();
            }
            String reason = aborted ? "no answer within " + Settings.millis(Settings.prepingTimeoutNanos) + "ms"
                : error == null ? "isValid=false" : Log.describe(error);
            long idle = Connections.idleNanos(t, start);
            String name = p != null ? p.name : t.openedBy.id();
            Log.warn("keepalive.dead", name + " idle=" + Connections.idleMillis(t, start) + " reason=" + reason
                + " action=evicted at its next borrow");
            Jfr.deadConnection(p, "keepalive", idle, reason);
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
