package dev.poolguard.testapp;

import dev.poolguard.testapp.db.EmbeddedDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An ordinary JDBC application that replays field failures of pooled connections: for each pool and scenario it
 * builds a fresh pool with the library's defaults, runs the scenario and prints what the requests saw.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        if (ChildJvm.requested(args)) {
            try {
                System.exit(ChildJvm.run(args));
            } catch (Exception e) {
                e.printStackTrace();
                System.exit(1);
            }
        }
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        try {
            if (options.isolated()) {
                Isolation.relaunch(Options.withoutIsolated(args)); // that copy of the app exits by itself
            } else {
                run(options);
            }
        } catch (Throwable e) {
            e.printStackTrace();
            System.exit(1);
        }
        // Threads stuck on black-holed sockets were abandoned; they must not keep the JVM alive.
        System.exit(0);
    }

    private static void run(Options options) throws Exception {
        Pool.validateOnBorrow(options.validateOnBorrow());
        StaleScenario.idleBeforeKill(options.idleBeforeKillMs());
        SoakScenario.seconds(options.soakSeconds());
        if (options.faultyDriver() != null) {
            FaultyDriver.use(options.faultyDriver());
        }
        if (options.db().startsWith("jdbc:")) {
            runAll(options, Target.parse(options.db()));
            return;
        }
        Path workDir = Files.createTempDirectory("poolguard-test-app-");
        try (EmbeddedDatabase db = start(options.db(), workDir)) {
            // The app runs this server, so it is the one that restarts it when the restart scenario asks.
            RestartScenario.restartWith(() -> db.restart(RestartScenario.DOWN_MS));
            runAll(options, Target.parse(db.jdbcUrl()));
        } finally {
            deleteRecursively(workDir);
        }
    }

    private static EmbeddedDatabase start(String db, Path workDir) {
        try {
            return db.equals(Options.EMBEDDED_MARIADB)
                    ? EmbeddedDatabase.startMariaDb(workDir)
                    : EmbeddedDatabase.startPostgres(workDir);
        } catch (NoClassDefFoundError e) {
            throw new IllegalStateException("this jar has no embedded databases (the boot jar leaves them out);"
                    + " pass --db <jdbc-url>", e);
        }
    }

    private static void runAll(Options options, Target target) throws Exception {
        for (String pool : options.pools()) {
            for (String scenario : options.scenarios()) {
                String run = "pool=" + pool + " db=" + target.kind() + " scenario=" + scenario;
                print("SCENARIO " + run);
                Stats stats = new Stats();
                Scenario.BY_NAME.get(scenario).run(pool, target, stats);
                print("RESULT " + run + " " + stats.result());
                print("DETAIL " + run + " " + stats.detail(Pool.library(pool, target)));
                if (options.mbeans() != null) {
                    MBeans.print(options.mbeans());
                }
            }
        }
        if (options.lingerMs() > 0) {
            print("LINGER ms=" + options.lingerMs());
            Thread.sleep(options.lingerMs());
        }
    }

    static void print(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
