package dev.poolguard.testapp;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A request hands its connection to background work that takes longer than the server's idle limit (here 1 s, set
 * per session); when the work finally writes its result, the session is gone ("Lost connection to MySQL server
 * during query" in the field report). Requests around it keep being served. Tests look for these thread and method
 * names: keep them.
 */
final class BackgroundScenario {
    private static final int SERVER_IDLE_TIMEOUT_S = 1;
    private static final long WORK_MS = 2500;
    private static final int REQUESTS = 5;

    private final Client client;

    private BackgroundScenario(Client client) {
        this.client = client;
    }

    static void run(String poolName, Target target, Stats stats) throws Exception {
        try (Pool pool = Pool.open(poolName, target.withServerIdleTimeout(SERVER_IDLE_TIMEOUT_S))) {
            BackgroundScenario scenario = new BackgroundScenario(new Client(pool, target, stats));
            Thread job = Daemons.start("report-job-1", scenario::runReportJob);
            job.join();
            for (int i = 0; i < REQUESTS; i++) {
                scenario.client.request(); // the next borrower must get a live connection, not the dead one
            }
        }
    }

    void runReportJob() {
        try (Connection connection = client.borrow()) {
            client.query(connection);
            buildReport();
            client.query(connection); // saving the result: the session died while the job worked
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

    /** Long work without the database, with the connection kept. */
    private void buildReport() throws InterruptedException {
        Thread.sleep(WORK_MS);
    }
}
