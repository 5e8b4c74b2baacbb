package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A request that keeps its connection while it does slow work that needs no database (streaming a download), while
 * normal requests go on around it. Tests look for this thread and these method names in hold reports: keep them.
 */
final class HoldScenario {
    private static final long DOWNLOAD_MS = 2500;
    private static final long INTERVAL_MS = 100;

    private final Client client;

    private HoldScenario(Client client) {
        this.client = client;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target)) {
            Client client = new Client(pool, target, stats);
            Thread holder = Daemons.start("hold-request-1", new HoldScenario(client)::handleDownloadRequest);
            while (holder.isAlive()) {
                client.request();
                holder.join(INTERVAL_MS);
            }
        }
    }

    void handleDownloadRequest() {
        try (Connection connection = client.borrow()) {
            client.query(connection);
            streamDownload();
            client.query(connection);
        } catch (SQLException | RuntimeException e) {
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
