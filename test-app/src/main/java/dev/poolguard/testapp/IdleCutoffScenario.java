package dev.poolguard.testapp;

/**
 * A middlebox drops TCP connections that stay idle longer than its timer (Docker swarm's ipvs after 900 s, here 2 s),
 * silently: the pool's sockets stay open but are never answered again. The used pool idles 1 s (under the timer) and
 * serves a burst, then sits idle for 4 s, as an app does at night, and serves 10 requests, each with a 6 s deadline;
 * then the same night again.
 */
final class IdleCutoffScenario {
    private static final long CUTOFF_MS = 2000;
    private static final long UNDER_CUTOFF_MS = 1000;
    private static final long IDLE_MS = 4000;
    private static final int REQUESTS = 10;
    private static final long DEADLINE_MS = 6000;

    private IdleCutoffScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (BlackholeProxy proxy = BlackholeProxy.withIdleCutoff(target.host(), target.port(), CUTOFF_MS);
             Pool pool = Pool.open(poolName, target.via(proxy.host(), proxy.port()))) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(UNDER_CUTOFF_MS);
            client.warmUp();
            for (int night = 1; night <= 2; night++) {
                Thread.sleep(IDLE_MS);
                BlackholeScenario.requestsWithDeadline(client, stats, "idle-cutoff-" + night + "-request-", REQUESTS,
                        DEADLINE_MS);
            }
        }
    }
}
