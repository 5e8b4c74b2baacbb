package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The database server restarts (an upgrade, a failover, a crash) and is down for a while. The app asks for it by
 * printing {@code FAULT restart db=<kind>}: whoever runs the server (the integration tests own the embedded ones)
 * stops it, waits, and starts it again on the same port; the app does not restart it itself. While the server is
 * down one request shows what the pool then does (recorded apart, on a {@code DOWN} line: it fails, with the pool's
 * own error, in bounded time); once the server answers again, 20 requests follow on the pool's old connections.
 * {@code ACCOUNTING} then gives the pool's own count of leased and open connections.
 */
final class RestartScenario {
    static final String MARKER = "FAULT restart";
    /** How long the server stays down when this app restarts its own embedded server (the tests use the same). */
    static final long DOWN_MS = 2000;
    /** Set when this app runs the server itself; otherwise the harness reacts to the marker line. */
    private static volatile Runnable restarter;
    private static final int REQUESTS = 20;
    private static final long DEADLINE_MS = 6000;
    private static final long DOWN_WITHIN_MS = 30_000;
    private static final long BACK_WITHIN_MS = 90_000;
    /** A bounded wait, so that a borrow while the server is down gives up (c3p0 would retry for 30 s). */
    private static final Pool.Bounds BOUNDS = new Pool.Bounds(10, 2000);

    private RestartScenario() {
    }

    static void restartWith(Runnable restart) {
        restarter = restart;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target, BOUNDS)) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(1000);
            Main.print(MARKER + " pool=" + poolName + " db=" + target.kind());
            Runnable restart = restarter;
            if (restart != null) {
                Daemons.start("server-restart", restart);
            }
            await(target, false, DOWN_WITHIN_MS);
            Stats down = new Stats();
            BlackholeScenario.requestsWithDeadline(client.recordingInto(down), down, "down-request-", 1, DEADLINE_MS);
            Main.print("DOWN pool=" + poolName + " db=" + target.kind() + " " + down.result() + " "
                    + down.detail(Pool.library(poolName, target)));
            await(target, true, BACK_WITHIN_MS);
            // Past the pools' 500 ms just-used window, as after a real outage.
            Thread.sleep(600);
            BlackholeScenario.requestsWithDeadline(client, stats, "restart-request-", REQUESTS, DEADLINE_MS);
            Main.print("ACCOUNTING pool=" + poolName + " " + pool.settledAccounting());
        }
    }

    /** Waits until a plain connection to the server succeeds ({@code up}) or fails. */
    private static void await(Target target, boolean up, long withinMs) throws InterruptedException {
        long deadline = System.nanoTime() + withinMs * 1_000_000;
        while (System.nanoTime() - deadline < 0) {
            if (reachable(target) == up) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the server was not " + (up ? "back" : "down") + " within " + withinMs
                + " ms of " + MARKER + ": is something restarting it?");
    }

    private static boolean reachable(Target target) {
        try (Connection c = target.connect()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }
}
