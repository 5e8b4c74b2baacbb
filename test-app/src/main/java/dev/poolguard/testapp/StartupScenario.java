package dev.poolguard.testapp;

/** The shortest useful life of an app: build the pool, answer one request, exit. Start-up cost is measured with it. */
final class StartupScenario {
    private StartupScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target)) {
            new Client(pool, target, stats).request();
        }
    }
}
