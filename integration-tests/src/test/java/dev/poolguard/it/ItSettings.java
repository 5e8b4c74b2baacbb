package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

    /** Logging frameworks copied by the build, one directory of jars per setup (logback, log4j-slf4j, log4j-jul). */
    static Path logFrameworks() {
        return existing("poolguard.it.log.frameworks", "target/log-frameworks", "run through mvn verify");
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

    /** HikariCP and pgjdbc as Spring Boot 4.0.3 manages them, copied here by the build. */
    static Path springBootPools() {
        return existing("poolguard.it.spring-boot.pools", "target/pool-versions/spring-boot-4.0.3",
                "run through mvn verify");
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

    /** The Tomcat distributions the build unpacked (apache-tomcat-<version>/), for TomcatServerIT. */
    static Path tomcatServers() {
        return existing("poolguard.it.tomcat.servers", "target/tomcat-servers", "run through mvn verify");
    }

    /** The JDBC drivers TomcatServerIT puts in CATALINA_BASE/lib. */
    static Path tomcatDrivers() {
        return existing("poolguard.it.tomcat.drivers", "target/tomcat-drivers", "run through mvn verify");
    }

    /** The WAR TomcatServerIT deploys, assembled by the build from src/tomcat-webapp. */
    static Path tomcatWebapp() {
        return existing("poolguard.it.tomcat.webapp", "target/tomcat-webapp/poolguard-it-webapp.war",
                "run through mvn verify");
    }

    /**
     * The Tomcat versions TomcatServerIT runs: the newest, or with system property poolguard.it.tomcat=all every one
     * the build unpacked (9.0, 10.1, 11.0).
     */
    static List<String> tomcatVersions() {
        boolean all = "all".equals(System.getProperty("poolguard.it.tomcat", "ci"));
        String csv = System.getProperty(all ? "poolguard.it.tomcat.all" : "poolguard.it.tomcat.newest", "");
        assertTrue(!csv.isBlank(), "run through mvn verify: it names the Tomcat versions the build unpacked");
        return List.of(csv.split(","));
    }

    /** The WildFly distributions unpacked by the build, one wildfly-<version> folder each. */
    static Path wildflyHomes() {
        return existing("poolguard.it.wildfly.homes", "target/wildfly", "run through mvn verify");
    }

    /** postgresql.jar and mariadb-java-client.jar, copied by the build, for WildFlyIT's driver modules. */
    static Path wildflyDrivers() {
        return existing("poolguard.it.wildfly.drivers", "target/wildfly-drivers", "run through mvn verify");
    }

    /**
     * The WildFly releases WildFlyIT runs, as the build unpacked them: the current one, or with
     * -Dpoolguard.it.wildfly=all the last javax-era one too.
     */
    static List<String> wildflyVersions() {
        String csv = System.getProperty("poolguard.it.wildfly.versions", "");
        assertTrue(!csv.isBlank(), "run through mvn verify: it names the WildFly versions the build unpacked");
        return List.of(csv.split(","));
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
