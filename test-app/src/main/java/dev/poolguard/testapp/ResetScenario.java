package dev.poolguard.testapp;

/**
 * A firewall, load balancer or NAT gateway that restarts (or forgets its state) answers every packet of the
 * connections it carried with a TCP reset. Here a proxy resets all the pool's connections after its warm-up, then
 * 20 requests follow.
 */
final class ResetScenario {
    private static final int REQUESTS = 20;
    private static final long DEADLINE_MS = 6000;

    private ResetScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (BlackholeProxy proxy = BlackholeProxy.start(target.host(), target.port());
             Pool pool = Pool.open(poolName, target.via(proxy.host(), proxy.port()))) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(1000);
            proxy.resetExisting();
            // Past the pools' 500 ms just-used window, as after a real outage.
            Thread.sleep(600);
            BlackholeScenario.requestsWithDeadline(client, stats, "reset-request-", REQUESTS, DEADLINE_MS);
        }
    }
}
