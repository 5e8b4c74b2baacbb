package dev.poolguard.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Once one idle connection of a pool goes silent (no answer after the grace, see {@link Validation#graceNanos}), the
 * others idle as long may sit behind the same dead middlebox. Rather than let the next borrows find that out one
 * timeout at a time, or close them on suspicion, the agent validates every other idle connection of that pool at
 * once, each on its own bound, on short-lived threads, while the first one's validation runs out its time.
 * Each gets its own verdict: the dead are evicted at their next borrow without a ping, the healthy are handed out
 * without one. A borrow that meets a connection being swept waits for its verdict, as it does for the keepalive.
 */
final class Sweep {

    /** Threads per sweep, at most: the validations mostly wait on the network, and one thread each bounds the sweep. */
    private static final int THREADS = 32;

    private Sweep() {
    }

    /** One of {@code pool}'s connections went silent at {@code now}: sweep the others, unless a sweep just ran. */
    static void after(PoolInfo pool, Object silent, long now) {
        if (!Settings.preping || !pool.mayStartSweep(now)) {
            return;
        }
        ConcurrentLinkedQueue<Object> connections = new ConcurrentLinkedQueue<>();
        List<Tracked> states = new ArrayList<>();
        Connections.forEach((c, t) -> {
            // The pool's own, and those a pool of its kind opened in advance and has not handed out yet (no pool known).
            boolean ours = t.pool == pool || t.pool == null && t.openedBy == pool.adapter;
            if (c != silent && ours && !t.retired && !t.keepaliveRunning && !Tracked.leased(t.state())
                    && now - t.lastGoodNanos >= Settings.prepingIdleNanos) {
                connections.add(c);
                states.add(t);
            }
        });
        if (connections.isEmpty()) {
            return;
        }
        int threads = Math.min(THREADS, connections.size());
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> drain(connections), "poolguard-sweep");
            t.setDaemon(true);
            t.setContextClassLoader(null);
            t.start();
        }
    }

    private static void drain(ConcurrentLinkedQueue<Object> connections) {
        for (Object c; (c = connections.poll()) != null; ) {
            Tracked t = Connections.find(c);
            if (t == null) {
                continue;
            }
            try {
                Keepalive.validate(c, t, "sweep");
            } catch (Throwable e) {
                Log.warnOnce("sweep", "hook.failed", "sweep hook=sweep error=" + Log.describe(e)
                    + " action=idle connections validated at borrow only");
                return;
            }
        }
    }
}
