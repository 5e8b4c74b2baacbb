package dev.poolguard.it;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Test-app runs shared by the tests of one class: each run happens once, on the first test that needs it, and a
 * failed run fails every test that needs it without running again.
 */
final class Runs {
    private final Map<String, Object> outcomes = new HashMap<>();

    synchronized AppOutput get(String key, Supplier<AppOutput> run) {
        Object outcome = outcomes.get(key);
        if (outcome == null) {
            try {
                outcome = run.get();
            } catch (RuntimeException | Error e) {
                outcome = e;
            }
            outcomes.put(key, outcome);
        }
        if (outcome instanceof RuntimeException e) {
            throw e;
        }
        if (outcome instanceof Error e) {
            throw e;
        }
        return (AppOutput) outcome;
    }

    /** A run that already succeeded, without starting it. */
    synchronized Optional<AppOutput> done(String key) {
        return outcomes.get(key) instanceof AppOutput out ? Optional.of(out) : Optional.empty();
    }
}
