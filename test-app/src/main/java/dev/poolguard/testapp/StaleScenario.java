package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The server ends idle pooled sessions (an idle timeout, a failover, a DBA): the pool still holds connections whose
 * server side is gone. Here an admin connection kills them.
 */
final class StaleScenario {
    private static final int REQUESTS = 20;
    static final long DEFAULT_IDLE_MS = 1000;
    /** How long the used pool sits idle before the server ends its sessions ({@code --idle-before-kill}). */
    private static volatile long idleMs = DEFAULT_IDLE_MS;

    /** MariaDB/MySQL "Unknown thread id": the session ended by itself between listing and killing it. */
    private static final int UNKNOWN_THREAD = 1094;

    private StaleScenario() {
    }

    static void idleBeforeKill(long millis) {
        idleMs = millis;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target)) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(idleMs);
            killOtherSessions(target);
            // Pools skip validating a connection used in the last 500 ms (HikariCP's bypass window): one the pool
            // happened to open just before the kill must not count as just used when the requests come.
            Thread.sleep(600);
            for (int i = 0; i < REQUESTS; i++) {
                client.request();
            }
        }
    }

    /** Ends every session of the current database except the admin connection's own. */
    private static void killOtherSessions(Target target) throws SQLException {
        try (Connection admin = target.connect(); Statement statement = admin.createStatement()) {
            if (target.kind().equals("postgres")) {
                statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        + " AND backend_type = 'client backend'");
                return;
            }
            List<Long> ids = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery("SELECT ID FROM information_schema.PROCESSLIST"
                    + " WHERE ID <> CONNECTION_ID() AND DB = DATABASE()")) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                }
            }
            for (long id : ids) {
                try {
                    statement.execute("KILL " + id);
                } catch (SQLException e) {
                    if (e.getErrorCode() != UNKNOWN_THREAD) {
                        throw e;
                    }
                }
            }
        }
    }
}
