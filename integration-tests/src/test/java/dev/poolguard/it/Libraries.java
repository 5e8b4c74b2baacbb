package dev.poolguard.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which release of each pool library a run uses: the test app's own (the newest), or the oldest supported ones,
 * which replace them on the class path. Each run's DETAIL lines name the jar actually loaded, and the tests check it.
 * Commons DBCP 1 runs at 1.4 in both (the releases before it are JDBC 3 pools, whose connections lack the JDBC 4
 * methods the scenarios call), on commons-pool 1.5.4, which it was released with, in the oldest set.
 */
enum Libraries {
    NEWEST(Map.of()),
    OLDEST(Map.of(Pool.HIKARI, "HikariCP-4.0.3.jar", Pool.DBCP2, "commons-dbcp2-2.9.0.jar",
            Pool.TOMCAT_DBCP, "tomcat-dbcp-9.0.112.jar", Pool.TOMCAT, "tomcat-jdbc-9.0.112.jar", Pool.C3P0, "c3p0-0.9.5.5.jar", Pool.DRUID, "druid-1.1.10.jar",
            Pool.AGROAL, "agroal-pool-2.0.jar", Pool.VIBUR, "vibur-dbcp-25.0.jar", Pool.UCP, "ucp11-21.3.0.0.jar"));

    /** Artifacts the oldest set replaces: the pools and the libraries whose versions go with them. */
    private static final List<String> REPLACED = List.of("HikariCP-", "commons-dbcp2-", "commons-pool2-",
            "tomcat-jdbc-", "tomcat-juli-", "tomcat-dbcp-", "commons-pool-", "c3p0-", "mchange-commons-java-", "druid-", "agroal-api-", "agroal-pool-",
            "vibur-dbcp-", "vibur-object-pool-", "ucp11-", "ojdbc11-");

    private final Map<Pool, String> expectedJars;

    Libraries(Map<Pool, String> expectedJars) {
        this.expectedJars = expectedJars;
    }

    /** The jar a pool's DETAIL line must name in this set, or null when any release will do. */
    String expectedJar(Pool pool) {
        return expectedJars.get(pool);
    }

    /** The class path for a run, or null to run the test app's jar as it is. */
    String classPath() {
        return this == NEWEST ? null : classPathWith(ItSettings.oldestPools(), REPLACED);
    }

    /** The test app's class path with the jars of the {@code replaced} artifacts swapped for the jars in {@code dir}. */
    static String classPathWith(Path dir, List<String> replaced) {
        Path lib = ItSettings.testAppJar().getParent().resolve("lib");
        List<Path> entries = new ArrayList<>();
        entries.add(ItSettings.testAppClasses());
        entries.addAll(jars(lib).stream()
                .filter(p -> replaced.stream().noneMatch(p.getFileName().toString()::startsWith))
                .collect(Collectors.toList()));
        entries.addAll(jars(dir));
        return entries.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
    }

    private static List<Path> jars(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase();
    }
}
