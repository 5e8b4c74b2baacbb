package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The classes the agent's build wove (POOLGUARD_PREWOVEN, on by default): with the test app's releases, with the
 * oldest supported ones, and with those Spring Boot 4.0.3 manages, every class of a permissively licensed pool or
 * driver is handed its pre-woven bytes; a
 * library whose licence does not let the jar carry modified copies (c3p0, the MariaDB, MySQL and Oracle drivers) is
 * never pre-woven and is woven at run time instead; with the flag off the weaver weaves the same classes itself; the agent works the same
 * either way. HikariCP and c3p0 on PostgreSQL, sessions killed under them, with the agent's debug lines.
 */
class PreWovenIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final String HIKARI = "com.zaxxer.hikari.";
    private static final String C3P0 = "com.mchange.v2.c3p0.";
    private static final String PGJDBC = "org.postgresql.";
    /** The woven classes this run can tell apart: the two pools' and PostgreSQL's driver's. */
    private static final List<String> PACKAGES = List.of(HIKARI, C3P0, PGJDBC);
    /** Libraries whose licence does not let the agent jar carry modified copies of their classes. */
    private static final List<String> NEVER_PRE_WOVEN =
            List.of("com.mchange.", "org.mariadb.", "com.mysql.", "oracle.", "org.h2.");
    private static final Runs RUNS = new Runs();

    static AppOutput preWoven() {
        return RUNS.get("on", () -> launch("true"));
    }

    static AppOutput wovenAtRunTime() {
        return RUNS.get("off", () -> launch("false"));
    }

    /** HikariCP 7.0.2 and pgjdbc 42.7.10, which Spring Boot 4.0.3 manages, in place of the test app's. */
    static AppOutput springBootPreWoven() {
        return RUNS.get("spring-boot", () -> app("spring-boot-4.0.3", "hikari")
                .classPath(Libraries.classPathWith(ItSettings.springBootPools(), List.of("HikariCP-", "postgresql-")))
                .run());
    }

    static AppOutput oldestPreWoven() {
        return RUNS.get("oldest", () -> app("oldest", "hikari").libraries(Libraries.OLDEST).run());
    }

    private static AppOutput launch(String preWoven) {
        return app(preWoven, "hikari,c3p0").env("POOLGUARD_PREWOVEN", preWoven).run();
    }

    private static TestApp app(String name, String pools) {
        return TestApp.named("PreWovenIT-prewoven-" + name).withAgent().env(FAULT_FLAGS)
                .env("POOLGUARD_LOG_LEVEL", "debug").db(Db.POSTGRES).pools(pools).scenarios("stale")
                .timeout(TIMEOUT);
    }

    @Test
    void theTestAppsReleasesOfPermissivelyLicensedLibrariesAreHandedTheirPreWovenBytes() {
        AppOutput out = preWoven();
        List<AgentEvent> woven = wovenHere(out, HIKARI, PGJDBC);
        assertFalse(woven.isEmpty(), out::toString);
        woven.forEach(e -> assertEquals("true", e.field("prewoven"), e.line));
        assertTrue(wovenNames(out).containsAll(List.of("com.zaxxer.hikari.pool.HikariPool",
                "org.postgresql.jdbc.PgConnection")), out::toString);
    }

    @Test
    void c3p0IsNotPreWovenAndIsWovenAtRunTime() {
        AppOutput out = preWoven();
        List<AgentEvent> woven = wovenHere(out, C3P0);
        assertFalse(woven.isEmpty(), out::toString);
        woven.forEach(e -> assertEquals(null, e.field("prewoven"), e.line));
        assertTrue(wovenNames(out).contains("com.mchange.v2.c3p0.impl.NewPooledConnection"), out::toString);
        assertEquals(1, out.events("weave").stream().filter(e -> e.field("rules") != null).count(), out::toString);
    }

    /**
     * The test app also has the MariaDB, MySQL and Oracle drivers on its class path, which DriverManager loads at the
     * first connection: the weaver starts for them, in every run.
     */
    @Test
    void theOldestSupportedReleasesArePreWovenTooAndOnlyEncumberedLibrariesAreWovenAtRunTime() {
        AppOutput out = oldestPreWoven();
        assertEquals(Libraries.OLDEST.expectedJar(Pool.HIKARI),
                out.section(Pool.HIKARI, Scenario.STALE).detail().library());
        assertEquals(List.of(), out.events("weave").stream()
                .filter(e -> e.field("rules") == null && !"true".equals(e.field("prewoven")))
                .filter(e -> NEVER_PRE_WOVEN.stream().noneMatch(e.pool::startsWith))
                .map(e -> e.line).collect(Collectors.toList()), "a class the build should have woven");
        assertTrue(wovenNames(out).containsAll(List.of("com.zaxxer.hikari.pool.HikariPool",
                "org.postgresql.jdbc.PgConnection")), out::toString);
        AgentExpectations.assertAgentHandled(out, Pool.HIKARI, Scenario.STALE);
    }

    /**
     * Releases pre-woven beside those the project is built with (agent/pom.xml, prewoven-also): with Spring Boot
     * 4.0.3's HikariCP and pgjdbc every class of theirs is handed its pre-woven bytes.
     */
    @Test
    void theReleasesSpringBootManagesArePreWovenToo() {
        AppOutput out = springBootPreWoven();
        assertEquals("HikariCP-7.0.2.jar", out.section(Pool.HIKARI, Scenario.STALE).detail().library());
        List<AgentEvent> woven = wovenHere(out, HIKARI, PGJDBC);
        assertFalse(woven.isEmpty(), out::toString);
        woven.forEach(e -> assertEquals("true", e.field("prewoven"), e.line));
        assertTrue(wovenNames(out).containsAll(List.of("com.zaxxer.hikari.pool.HikariPool",
                "com.zaxxer.hikari.pool.PoolBase", "com.zaxxer.hikari.pool.PoolEntry", "org.postgresql.Driver",
                "org.postgresql.jdbc.PgConnection", "org.postgresql.jdbc.PgStatement")), out::toString);
        AgentExpectations.assertAgentHandled(out, Pool.HIKARI, Scenario.STALE);
        AgentExpectations.assertNoHookFailed(out);
    }

    @Test
    void withTheFlagOffTheWeaverWeavesTheSameClassesItself() {
        AppOutput off = wovenAtRunTime();
        assertEquals(1, off.events("weave").stream().filter(e -> e.field("rules") != null).count(), off::toString);
        wovenHere(off, HIKARI, C3P0, PGJDBC).forEach(e -> assertEquals(null, e.field("prewoven"), e.line));
        assertEquals(wovenNames(preWoven()), wovenNames(off));
    }

    @Test
    void theAgentWorksTheSameEitherWay() {
        for (AppOutput out : List.of(preWoven(), wovenAtRunTime())) {
            AgentExpectations.assertAgentHandled(out, Pool.HIKARI, Scenario.STALE);
            AgentExpectations.assertAgentHandled(out, Pool.C3P0, Scenario.STALE);
            AgentExpectations.assertNoHookFailed(out);
        }
    }

    private static List<AgentEvent> wovenHere(AppOutput out, String... packages) {
        return out.events("weave").stream().filter(e -> Arrays.stream(packages).anyMatch(e.pool::startsWith))
                .collect(Collectors.toList());
    }

    private static Set<String> wovenNames(AppOutput out) {
        return wovenHere(out, PACKAGES.toArray(new String[0])).stream().map(e -> e.pool)
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
