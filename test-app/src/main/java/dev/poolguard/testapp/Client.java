package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The app's request code. A request borrows a connection, asks the server which session it is talking to, and
 * gives the connection back; every outcome is recorded in a {@link Stats}.
 */
final class Client {
    private static final int WARM_UP_THREADS = 4;
    private static final int WARM_UP_REQUESTS_PER_THREAD = 5;

    private final Pool pool;
    private final String sessionQuery;
    private final Stats stats;

    Client(Pool pool, Target target, Stats stats) {
        this(pool, target.sessionQuery(), stats);
    }

    private Client(Pool pool, String sessionQuery, Stats stats) {
        this.pool = pool;
        this.sessionQuery = sessionQuery;
        this.stats = stats;
    }

    /** The same client recording into other stats (for a request that may be abandoned half-way). */
    Client recordingInto(Stats other) {
        return new Client(pool, sessionQuery, other);
    }

    Stats stats() {
        return stats;
    }

    void request() {
        try (Connection connection = borrow()) {
            query(connection);
        } catch (SQLException | RuntimeException e) {
            stats.failed(e);
            return;
        }
        stats.ok();
    }

    /** 20 requests from 4 threads at once, so that the pool ends up holding several connections. */
    void warmUp() throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 1; t <= WARM_UP_THREADS; t++) {
            threads.add(Daemons.start("warm-up-" + t, () -> {
                for (int i = 0; i < WARM_UP_REQUESTS_PER_THREAD; i++) {
                    request();
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    /** {@code getConnection()}, timed: the longest borrow of a run is part of its RESULT line. */
    Connection borrow() throws SQLException {
        long start = System.nanoTime();
        try {
            return pool.getConnection();
        } finally {
            stats.borrowed(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    void query(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sessionQuery)) {
            rows.next();
            stats.session(rows.getLong(1));
        }
    }
}
