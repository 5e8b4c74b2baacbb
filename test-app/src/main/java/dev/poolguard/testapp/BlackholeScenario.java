package dev.poolguard.testapp;

import java.util.concurrent.TimeoutException;

/**
 * A stateful firewall or overlay network (Docker swarm's idle timeout) silently drops idle TCP connections: pooled
 * sockets stay open, but nothing sent on them is ever answered. Reading on such a socket blocks for ever unless
 * something sets a timeout, so each request runs on its own thread with a deadline.
 */
final class BlackholeScenario {
    private static final int REQUESTS = 10;
    private static final long DEADLINE_MS = 6000;

    private BlackholeScenario() {
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (BlackholeProxy proxy = BlackholeProxy.start(target.host(), target.port());
             Pool pool = Pool.open(poolName, target.via(proxy.host(), proxy.port()))) {
            Client client = new Client(pool, target, stats);
            client.warmUp();
            Thread.sleep(1000);
            proxy.blackholeExisting();
            for (int i = 1; i <= REQUESTS; i++) {
                // Recorded apart, so that an abandoned request that wakes up later cannot change the result.
                Stats request = new Stats();
                Thread worker = Daemons.start("blackhole-request-" + i, client.recordingInto(request)::request);
                worker.join(DEADLINE_MS);
                if (worker.isAlive()) {
                    // A hung pool would hang every following request too: count them failed, don't wait for them.
                    stats.borrowed(DEADLINE_MS);
                    stats.failed(new TimeoutException("request " + i + " missed its " + DEADLINE_MS
                            + " ms deadline; " + (REQUESTS - i) + " more not attempted"), REQUESTS - i + 1);
                    return;
                }
                stats.add(request);
            }
        }
    }
}
