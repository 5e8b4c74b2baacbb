package dev.poolguard.testapp;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stress: 64 request threads on a pool of 8 (2 s borrow timeout) for {@code --soak-seconds} (60), each request
 * followed by a random pause of up to 400 ms so that some connections sit idle; one request in 50 holds its
 * connection for 1.2 s of other work and then uses it again. Every ~500 ms an admin connection kills one server
 * session idle for at least 700 ms, chosen at random (so a killed session is one the pool holds idle, or one a
 * holder holds through its pause).
 *
 * <p>Each failed request is classified. A borrow that times out is the pool's normal answer to 64 threads on 8
 * connections. A request that fails while a kill statement runs, or that began before a kill had landed (100 ms
 * after the kill statement returned), may have been raced by the kill, possibly just after the connection was
 * checked at borrow. Any other failure on a connection error is a dead connection handed out at borrow, and counts
 * as failed in RESULT, as does any other error, and any request thread still running 15 s after the end (then a
 * thread dump is printed). A {@code SOAK} line gives the counts, {@code ACCOUNTING} the pool's own count of leased
 * and open connections once every thread has finished.
 */
final class SoakScenario {
    static final long DEFAULT_SECONDS = 60;
    private static volatile long seconds = DEFAULT_SECONDS;
    private static final int THREADS = 64;
    private static final Pool.Bounds BOUNDS = new Pool.Bounds(8, 2000);
    private static final int HOLD_ONE_IN = 50;
    private static final long HOLD_MS = 1200;
    private static final int PAUSE_MAX_MS = 400;
    private static final long KILL_EVERY_MS = 500;
    private static final long KILL_IDLE_MS = 700;
    private static final long KILL_LANDS_MS = 100;
    private static final long STUCK_AFTER_MS = 15_000;

    private SoakScenario() {
    }

    static void seconds(long value) {
        seconds = value;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        Counts counts = new Counts();
        ConcurrentLinkedQueue<Long> kills = new ConcurrentLinkedQueue<>();
        try (Pool pool = Pool.open(poolName, target, BOUNDS)) {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            Thread killer = Daemons.start("soak-killer", () -> killUntil(target, end, kills, counts));
            List<Thread> workers = new ArrayList<>();
            for (int i = 1; i <= THREADS; i++) {
                workers.add(Daemons.start("soak-request-" + i, () -> requestsUntil(pool, target, end, kills, counts,
                        stats)));
            }
            long deadline = end + STUCK_AFTER_MS * 1_000_000;
            List<Thread> stuck = new ArrayList<>();
            for (Thread worker : workers) {
                worker.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                if (worker.isAlive()) {
                    stuck.add(worker);
                }
            }
            killer.join(STUCK_AFTER_MS);
            if (!stuck.isEmpty()) {
                Main.print("STUCK pool=" + poolName + " threads=" + stuck.size() + "\n" + threadDump());
                stats.failed(new IllegalStateException(stuck.size() + " request threads still running "
                        + STUCK_AFTER_MS + " ms after the end"), stuck.size());
            }
            Main.print("SOAK pool=" + poolName + " db=" + target.kind() + " seconds=" + seconds + " requests="
                    + counts.requests + " borrow_timeouts=" + counts.borrowTimeouts + " killed_during="
                    + counts.killedDuring + " dead_at_borrow=" + counts.deadAtBorrow + " other=" + counts.other
                    + " holds=" + counts.holds + " kills=" + counts.kills + " deadlocked=" + deadlocked());
            Main.print("ACCOUNTING pool=" + poolName + " " + pool.accounting() + " max=" + BOUNDS.max());
        }
    }

    private static void requestsUntil(Pool pool, Target target, long end, ConcurrentLinkedQueue<Long> kills,
                                      Counts counts, Stats stats) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() - end < 0) {
            boolean hold = random.nextInt(HOLD_ONE_IN) == 0;
            long start = System.nanoTime();
            counts.requests.incrementAndGet();
            Connection connection;
            try {
                connection = pool.getConnection();
            } catch (SQLException | RuntimeException e) {
                counts.borrowTimeouts.incrementAndGet(); // the pool's own answer to 64 threads on 8 connections
                pause(random);
                continue;
            }
            try (Connection c = connection) {
                query(c, target);
                if (hold) {
                    counts.holds.incrementAndGet();
                    Thread.sleep(HOLD_MS);
                    query(c, target);
                }
                stats.ok();
            } catch (SQLException e) {
                if (killedSince(kills, counts, start)) {
                    counts.killedDuring.incrementAndGet();
                } else if (connectionError(e)) {
                    counts.deadAtBorrow.incrementAndGet();
                    stats.failed(e);
                } else {
                    counts.other.incrementAndGet();
                    stats.failed(e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                counts.other.incrementAndGet();
                stats.failed(e);
            }
            pause(random);
        }
    }

    private static void query(Connection c, Target target) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(target.sessionQuery())) {
            rows.next();
        }
    }

    /** A kill still under way, or one that landed after {@code start}, may have raced the request. */
    private static boolean killedSince(ConcurrentLinkedQueue<Long> kills, Counts counts, long start) {
        if (counts.killing.get() > 0) {
            return true;
        }
        for (long kill : kills) {
            if (kill - start >= 0) {
                return true;
            }
        }
        return false;
    }

    /** SQLState class 08 (connection exception), PostgreSQL 57P0x (the server ended the session). */
    private static boolean connectionError(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P0"))) {
                return true;
            }
        }
        return false;
    }

    private static void killUntil(Target target, long end, ConcurrentLinkedQueue<Long> kills, Counts counts) {
        try (Connection admin = target.connect(); Statement statement = admin.createStatement()) {
            while (System.nanoTime() - end < 0) {
                Thread.sleep(KILL_EVERY_MS);
                counts.killing.incrementAndGet(); // a request failing meanwhile may have met this kill
                try {
                    if (killOneIdle(target, statement)) {
                        // Recorded once the kill is done, plus the moment the server takes to act on it: a request
                        // that starts before then may have checked the connection just before the kill landed (a
                        // race); one that starts after it and fails on a connection error was handed a dead one.
                        kills.add(System.nanoTime() + KILL_LANDS_MS * 1_000_000);
                        counts.kills.incrementAndGet();
                    }
                } finally {
                    counts.killing.decrementAndGet();
                }
            }
        } catch (SQLException e) {
            System.err.println("soak killer stopped: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean killOneIdle(Target target, Statement statement) throws SQLException {
        if (target.kind().equals("postgres")) {
            try (ResultSet rows = statement.executeQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    + " AND backend_type = 'client backend' AND state = 'idle'"
                    + " AND state_change < now() - interval '" + KILL_IDLE_MS + " milliseconds'"
                    + " ORDER BY random() LIMIT 1")) {
                return rows.next();
            }
        }
        long id;
        try (ResultSet rows = statement.executeQuery("SELECT ID FROM information_schema.PROCESSLIST"
                + " WHERE ID <> CONNECTION_ID() AND DB = DATABASE() AND COMMAND = 'Sleep'"
                + " AND TIME_MS >= " + KILL_IDLE_MS + " ORDER BY RAND() LIMIT 1")) {
            if (!rows.next()) {
                return false;
            }
            id = rows.getLong(1);
        }
        try {
            statement.execute("KILL " + id);
            return true;
        } catch (SQLException e) {
            return false; // it ended by itself meanwhile
        }
    }

    private static String deadlocked() {
        long[] ids = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
        return ids == null ? "0" : Integer.toString(ids.length);
    }

    private static String threadDump() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        StringBuilder b = new StringBuilder();
        for (ThreadInfo info : threads.dumpAllThreads(true, true)) {
            b.append(info.toString());
        }
        return b.toString();
    }

    private static void pause(ThreadLocalRandom random) {
        try {
            Thread.sleep(random.nextInt(PAUSE_MAX_MS + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class Counts {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger borrowTimeouts = new AtomicInteger();
        final AtomicInteger killedDuring = new AtomicInteger();
        final AtomicInteger deadAtBorrow = new AtomicInteger();
        final AtomicInteger other = new AtomicInteger();
        final AtomicInteger holds = new AtomicInteger();
        final AtomicInteger kills = new AtomicInteger();
        /** Kill statements under way: 0 or 1. */
        final AtomicInteger killing = new AtomicInteger();
    }
}
