package dev.poolguard.testapp;

/**
 * The server ends sessions idle longer than its own timer (PostgreSQL {@code idle_session_timeout}, MySQL/MariaDB
 * {@code wait_timeout}), set here per connection through the JDBC URL to 1 s: the pool idles 0.7 s (under the timer)
 * and serves a burst, then sits idle for 2 s and serves 20 requests on sessions the server has already closed; then
 * the same again.
 */
final class ServerIdleScenario {
    private static final int SERVER_IDLE_TIMEOUT_S = 1;
    private static final long UNDER_TIMEOUT_MS = 700;
    private static final long IDLE_MS = 2000;
    private static final int REQUESTS = 20;
    private static final long DEADLINE_MS = 6000;

    private ServerIdleScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target.withServerIdleTimeout(SERVER_IDLE_TIMEOUT_S))) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(UNDER_TIMEOUT_MS);
            client.warmUp();
            for (int spell = 1; spell <= 2; spell++) {
                Thread.sleep(IDLE_MS);
                BlackholeScenario.requestsWithDeadline(client, stats, "server-idle-" + spell + "-request-", REQUESTS,
                        DEADLINE_MS);
            }
        }
    }
}
