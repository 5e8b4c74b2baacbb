package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * A request changes its connection's session and gives it back that way, as code that forgets to restore it does
 * (the psycopg field report: autocommit turned off in one request leaked into the others): autocommit off with an
 * uncommitted insert and serializable isolation, then another request sets read-only. The pool holds one connection,
 * so the requests after them get that same session; each checks that it sees what a fresh connection sees, and no
 * row of the insert nobody committed.
 */
final class LeakScenario {
    private static final Pool.Bounds BOUNDS = new Pool.Bounds(1, 5000);
    private static final int NEXT_REQUESTS = 5;
    private static final String TABLE = "poolguard_leak";

    private record Session(boolean autoCommit, boolean readOnly, int isolation) {
        static Session of(Connection c) throws SQLException {
            return new Session(c.getAutoCommit(), c.isReadOnly(), c.getTransactionIsolation());
        }
    }

    private LeakScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target, BOUNDS)) {
            Session fresh;
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                fresh = Session.of(c);
                s.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (id INT)");
                s.execute("DELETE FROM " + TABLE);
            }
            List<Runnable> requests = new ArrayList<>();
            requests.add(() -> request(stats, () -> careless(pool)));
            requests.add(() -> request(stats, () -> readOnlyReport(pool)));
            for (int i = 1; i <= NEXT_REQUESTS; i++) {
                requests.add(() -> request(stats, () -> sameAsFresh(pool, fresh)));
            }
            int n = 0;
            for (Runnable r : requests) {
                Daemons.start(n < 2 ? "careless-request-" + (n + 1) : "next-request-" + (n - 1), r).join();
                n++;
            }
        }
    }

    private interface Request {
        void run() throws SQLException;
    }

    private static void request(Stats stats, Request request) {
        try {
            request.run();
            stats.ok();
        } catch (SQLException | RuntimeException e) {
            stats.failed(e);
        }
    }

    /** Turns autocommit off, raises the isolation level, inserts, and returns the connection without committing. */
    private static void careless(Pool pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            s.executeUpdate("INSERT INTO " + TABLE + " VALUES (1)");
        }
    }

    /** A reporting query that marks its session read-only and leaves it so. */
    private static void readOnlyReport(Pool pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT 1")) {
            r.next();
            c.setReadOnly(true);
        }
    }

    private static void sameAsFresh(Pool pool, Session fresh) throws SQLException {
        try (Connection c = pool.getConnection()) {
            Session now = Session.of(c);
            long rows;
            try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + TABLE)) {
                r.next();
                rows = r.getLong(1);
            }
            if (!now.equals(fresh) || rows != 0) {
                throw new IllegalStateException("session state leaked from an earlier request: " + now + " and "
                        + rows + " uncommitted or wrongly committed rows; a fresh connection has " + fresh);
            }
        }
    }
}
