package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's advice must apply wherever the pool classes are loaded from: Spring Boot's nested-jar class loader
 * (the boot jar) and a URLClassLoader whose parent is the platform loader (--isolated). The plain class path is
 * covered by ScenarioMatrixIT. One test-app JVM per loader, on PostgreSQL.
 */
class ClassLoaderIT {
    private static final List<Scenario> SCENARIOS = List.of(Scenario.STALE, Scenario.HOLD);
    private static final Runs RUNS = new Runs();

    enum Loader {
        BOOT_JAR, ISOLATED;

        @Override
        public String toString() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    static AppOutput run(Loader loader) {
        return RUNS.get(loader.toString(), () -> launch(loader));
    }

    private static AppOutput launch(Loader loader) {
        TestApp app = TestApp.named("ClassLoaderIT-" + loader)
                .withAgent().env(FAULT_FLAGS).db(Db.POSTGRES)
                .pools(Pool.pooled().map(p -> p.cli).collect(Collectors.joining(","))).scenarios("stale,hold")
                .timeout(Duration.ofMinutes(5));
        return (loader == Loader.BOOT_JAR ? app.bootJar() : app.isolated()).run();
    }

    /** Both runs up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (Loader loader : Loader.values()) {
            RUNS.start(loader.toString(), () -> launch(loader));
        }
    }

    static Stream<Arguments> everyLoaderPoolAndScenario() {
        return Arrays.stream(Loader.values()).flatMap(loader -> Pool.pooled()
                .flatMap(pool -> SCENARIOS.stream().map(s -> Arguments.of(loader, pool, s))));
    }

    static Stream<Arguments> everyLoaderAndPool() {
        return Arrays.stream(Loader.values()).flatMap(loader -> Pool.pooled().map(p -> Arguments.of(loader, p)));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyLoaderPoolAndScenario")
    void everyRequestSucceedsInEveryClassLoader(Loader loader, Pool pool, Scenario scenario) {
        AgentExpectations.assertNoRequestFailed(run(loader), pool, scenario);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Loader.class)
    void tomcatKilledSessionsAreEvictedInEveryClassLoader(Loader loader) {
        AgentExpectations.assertDeadConnectionEvicted(run(loader), Pool.TOMCAT, Scenario.STALE);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyLoaderAndPool")
    void longHoldIsReportedInEveryClassLoader(Loader loader, Pool pool) {
        AgentExpectations.assertLongHoldReportedOnce(run(loader), pool);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Loader.class)
    void noAgentHookFailsInEveryClassLoader(Loader loader) {
        AgentExpectations.assertNoHookFailed(run(loader));
    }
}
