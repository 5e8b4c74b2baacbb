package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * A pool of two connections, both held by requests that stream a slow download while the connection stays
 * borrowed; the next two requests, one after the other, each wait their 1 s borrow timeout and fail with the pool's
 * own exhaustion error ("QueuePool limit ... reached" in the field report). Tests look for these thread and method names in the dump: keep them.
 */
final class ExhaustScenario {
    private static final Pool.Bounds BOUNDS = new Pool.Bounds(2, 1000);
    private static final long DOWNLOAD_MS = 3000;
    private static final int LATE_REQUESTS = 2;

    private final Client client;
    private final CountDownLatch holding = new CountDownLatch(BOUNDS.max());

    private ExhaustScenario(Client client) {
        this.client = client;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target, BOUNDS)) {
            ExhaustScenario scenario = new ExhaustScenario(new Client(pool, target, stats));
            List<Thread> downloads = new ArrayList<>();
            for (int i = 1; i <= BOUNDS.max(); i++) {
                downloads.add(Daemons.start("download-request-" + i, scenario::handleDownloadRequest));
            }
            scenario.holding.await();
            for (int i = 1; i <= LATE_REQUESTS; i++) {
                Daemons.start("late-request-" + i, scenario.client::request).join();
            }
            for (Thread download : downloads) {
                download.join();
            }
        }
    }

    void handleDownloadRequest() {
        try (Connection connection = client.borrow()) {
            client.query(connection);
            holding.countDown();
            streamDownload();
        } catch (SQLException | RuntimeException e) {
            holding.countDown();
            client.stats().failed(e);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.stats().failed(e);
            return;
        }
        client.stats().ok();
    }

    /** Slow work that needs no database, done while the connection stays borrowed. */
    private void streamDownload() throws InterruptedException {
        Thread.sleep(DOWNLOAD_MS);
    }
}
