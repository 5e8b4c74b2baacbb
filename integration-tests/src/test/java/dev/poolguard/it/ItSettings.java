package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the jars, logs and JDKs are. The pom passes each as a system property; the defaults let a test run from an
 * IDE whose working directory is this module.
 */
final class ItSettings {
    private ItSettings() {}

    /** The shaded agent jar. Missing means a broken build, so the test fails rather than skips. */
    static Path agentJar() {
        return existing("poolguard.agent.jar", "../agent/target/poolguard-agent.jar",
                "build the agent module first (mvn -pl agent -am package)");
    }

    static Path testAppJar() {
        return existing("poolguard.testapp.jar", "../test-app/target/poolguard-test-app.jar",
                "build the test-app module first (mvn -pl test-app -am package)");
    }

    static Path testAppBootJar() {
        return existing("poolguard.testapp.bootjar", "../test-app/target/poolguard-test-app-boot.jar",
                "build the test-app module first (mvn -pl test-app -am package)");
    }

    /** The test app's classes without its jar's manifest, for runs that assemble their own class path. */
    static Path testAppClasses() {
        return existing("poolguard.testapp.classes", "target/test-app-classes", "run through mvn verify");
    }

    /** Metrics exporters copied by the build (jmx_prometheus_javaagent.jar). */
    static Path exporters() {
        return existing("poolguard.it.exporters", "target/exporters", "run through mvn verify");
    }

    /** The project's docs/, where the exporters' rules live. */
    static Path docs() {
        return existing("poolguard.it.docs", "../docs", "run from the integration-tests module");
    }

    /** The oldest supported pool jars, copied here by the build. */
    static Path oldestPools() {
        return existing("poolguard.it.oldest.pools", "target/pool-versions/oldest", "run through mvn verify");
    }

    /** Pool releases outside the supported range, copied here by the build. */
    static Path unsupportedPools() {
        return existing("poolguard.it.unsupported.pools", "target/pool-versions/unsupported", "run through mvn verify");
    }

    /** Other observability agents' jars (OtherAgentsIT), copied here by the build without their versions. */
    static Path otherAgents() {
        return existing("poolguard.it.other.agents", "target/other-agents", "run through mvn verify");
    }

    /**
     * Whether OtherAgentsIT runs its whole matrix (system property poolguard.it.agents=full: every pool, both
     * databases, both orders, plain and Spring Boot jar) rather than the part CI runs.
     */
    static boolean allOtherAgentCombinations() {
        return "full".equals(System.getProperty("poolguard.it.agents", "ci"));
    }

    /** The WildFly distributions unpacked by the build, one wildfly-<version> folder each. */
    static Path wildflyHomes() {
        return existing("poolguard.it.wildfly", "target/wildfly", "run through mvn verify");
    }

    /** postgresql.jar and mariadb-java-client.jar, copied by the build, for WildFlyIT's driver modules. */
    static Path wildflyDrivers() {
        return existing("poolguard.it.wildfly.drivers", "target/wildfly-drivers", "run through mvn verify");
    }

    /** The WildFly releases WildFlyIT runs (system property poolguard.it.wildfly.versions, comma-separated). */
    static java.util.List<String> wildflyVersions() {
        return java.util.List.of(System.getProperty("poolguard.it.wildfly.versions", "39.0.1.Final,26.1.3.Final")
                .split(","));
    }

    static Path logsDir() {
        return path("poolguard.it.logs", "target/it-logs");
    }

    static Path workDir() {
        return path("poolguard.it.work", "target/it-work");
    }

    static Path matrixReport() {
        return path("poolguard.it.report", "target/scenario-matrix.md");
    }

    static Path jdk25Home() {
        return path("poolguard.jdk25.home", "/usr/lib/jvm/temurin-25-jdk-amd64");
    }

    /**
     * How many test-app runs a class may have in flight at once (system property poolguard.it.parallel, default 2):
     * runs wait on fault timeouts far more than they compute, so two share CI's two cores without slowing either.
     */
    static int parallelRuns() {
        return Math.max(1, Integer.getInteger("poolguard.it.parallel", 2));
    }

    static boolean allowMissingJdk25() {
        return Boolean.getBoolean("poolguard.allowMissingJdk25");
    }

    private static Path existing(String key, String fallback, String hint) {
        Path file = path(key, fallback);
        assertTrue(Files.exists(file), () -> key + ": " + file + " does not exist; " + hint);
        return file;
    }

    private static Path path(String key, String fallback) {
        String value = System.getProperty(key, "");
        return Path.of(value.isBlank() ? fallback : value).toAbsolutePath().normalize();
    }
}
