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
            requestsWithDeadline(client, stats, "blackhole-request-", REQUESTS, DEADLINE_MS);
        }
    }

    /**
     * {@code requests} requests one after the other, each on its own thread with a deadline. A request that misses
     * it is abandoned, and so are the rest: a hung pool would hang every following request too.
     */
    static void requestsWithDeadline(Client client, Stats stats, String threadPrefix, int requests, long deadlineMs)
            throws InterruptedException {
        for (int i = 1; i <= requests; i++) {
            // Recorded apart, so that an abandoned request that wakes up later cannot change the result.
            Stats request = new Stats();
            Thread worker = Daemons.start(threadPrefix + i, client.recordingInto(request)::request);
            worker.join(deadlineMs);
            if (worker.isAlive()) {
                stats.borrowed(deadlineMs);
                stats.failed(new TimeoutException("request " + i + " missed its " + deadlineMs
                        + " ms deadline; " + (requests - i) + " more not attempted"), requests - i + 1);
                return;
            }
            stats.add(request);
        }
    }
}
