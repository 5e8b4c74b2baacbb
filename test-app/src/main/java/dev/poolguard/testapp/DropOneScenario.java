package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;

/**
 * A flaky middlebox drops one idle connection of a well-used pool of 20 and leaves the other 19 alone. Then a burst
 * of long requests takes every connection the pool has, one after the other on one thread, each kept until the
 * burst ends, so the borrows meet the dropped connection and the healthy ones behind it. The pool should lose the
 * dropped connection and nothing else: the {@code DROPPED} line says how many of the burst's sessions are new.
 */
final class DropOneScenario {
    private static final int CONNECTIONS = 20;
    private static final long DEADLINE_MS = 8000;

    private DropOneScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (BlackholeProxy proxy = BlackholeProxy.start(target.host(), target.port());
             Pool pool = Pool.open(poolName, target.via(proxy.host(), proxy.port()),
                     new Pool.Bounds(CONNECTIONS, (int) DEADLINE_MS))) {
            Stats warm = new Stats();
            Set<Long> before = fill(new Client(pool, target, warm));
            Thread.sleep(1000);
            proxy.blackholeOne();
            Stats burst = new Stats();
            Client client = new Client(pool, target, burst);
            List<Connection> held = new ArrayList<>();
            Set<Long> sessions = new HashSet<>();
            Thread worker = Daemons.start("drop-one-burst", () -> {
                for (int i = 0; i < CONNECTIONS; i++) {
                    try {
                        Connection c = client.borrow();
                        synchronized (held) {
                            held.add(c);
                        }
                        Stats one = new Stats();
                        client.recordingInto(one).query(c);
                        burst.ok();
                        synchronized (sessions) {
                            sessions.add(one.sessionIds().iterator().next());
                        }
                    } catch (SQLException | RuntimeException e) {
                        burst.failed(e);
                    }
                }
            });
            worker.join(DEADLINE_MS);
            if (worker.isAlive()) {
                burst.failed(new TimeoutException("the burst missed its " + DEADLINE_MS + " ms deadline"), 1);
            } else {
                synchronized (held) {
                    for (Connection c : held) {
                        c.close();
                    }
                }
            }
            stats.add(burst);
            Set<Long> fresh;
            synchronized (sessions) {
                fresh = new HashSet<>(sessions);
            }
            fresh.removeAll(before);
            Main.print("DROPPED pool=" + poolName + " idle_before=" + before.size() + " burst_sessions="
                    + sessions.size() + " new_sessions=" + fresh.size() + " accounting=" + pool.accounting());
        }
    }

    /** 20 requests at once, each holding its connection until all have one: the pool ends up holding 20. */
    private static Set<Long> fill(Client client) throws InterruptedException {
        CountDownLatch all = new CountDownLatch(CONNECTIONS);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            threads.add(Daemons.start("drop-one-fill-" + i, () -> {
                try (Connection c = client.borrow()) {
                    client.query(c);
                    all.countDown();
                    all.await();
                } catch (SQLException | RuntimeException | InterruptedException e) {
                    all.countDown();
                    client.stats().failed(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        return client.stats().sessionIds();
    }
}
