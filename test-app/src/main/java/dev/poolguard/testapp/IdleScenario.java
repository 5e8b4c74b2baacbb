package dev.poolguard.testapp;

/**
 * Nothing breaks: the pool sits idle for a while, then a burst of requests uses it again, as after a quiet spell at
 * night. What it shows is the cost of checking connections that turn out to be fine.
 */
final class IdleScenario {
    private static final long IDLE_MS = 1500;

    private IdleScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target)) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(IDLE_MS);
            client.warmUp();
        }
    }
}
