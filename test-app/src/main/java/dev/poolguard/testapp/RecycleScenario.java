package dev.poolguard.testapp;

/**
 * Steady traffic from one thread: a request every 50 ms for 4 s. On its own it only reuses pooled sessions; with a
 * maximum connection lifetime enforced from outside, the number of distinct sessions grows.
 */
final class RecycleScenario {
    private static final long DURATION_MS = 4000;
    private static final long INTERVAL_MS = 50;

    private RecycleScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target)) {
            Client client = new Client(pool, target, stats);
            long end = System.nanoTime() + DURATION_MS * 1_000_000;
            while (System.nanoTime() < end) {
                client.request();
                Thread.sleep(INTERVAL_MS);
            }
        }
    }
}
