package dev.poolguard.it;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Test-app runs shared by the tests of one class: each run happens once, and a failed run fails every test that
 * needs it without running again. A class may {@link #start} its runs up front: they then run in the background,
 * {@link ItSettings#parallelRuns()} at a time across the suite, which is most of what keeps the suite inside CI's
 * time, because a run mostly waits on the timeouts of the faults it injects. A run not started is made by the first
 * test that needs it, in that test's thread.
 */
final class Runs {
    private static final ExecutorService BACKGROUND = Executors.newFixedThreadPool(ItSettings.parallelRuns(), r -> {
        Thread t = new Thread(r, "test-app-runs");
        t.setDaemon(true);
        return t;
    });

    private final Map<String, Future<AppOutput>> runs = new ConcurrentHashMap<>();

    /** Queues the run; {@link #get} with the same key waits for it. */
    void start(String key, Supplier<AppOutput> run) {
        runs.computeIfAbsent(key, k -> BACKGROUND.submit(run::get));
    }

    AppOutput get(String key, Supplier<AppOutput> run) {
        FutureTask<AppOutput> mine = new FutureTask<>(run::get);
        Future<AppOutput> outcome = runs.putIfAbsent(key, mine);
        if (outcome == null) {
            mine.run();
            outcome = mine;
        }
        try {
            return outcome.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for run " + key, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A run that already succeeded, without starting or waiting for it. */
    Optional<AppOutput> done(String key) {
        Future<AppOutput> outcome = runs.get(key);
        if (outcome == null || !outcome.isDone()) {
            return Optional.empty();
        }
        try {
            return Optional.of(outcome.get());
        } catch (ExecutionException | InterruptedException e) {
            return Optional.empty();
        }
    }
}
