package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Launches the test app in its own JVM and returns its parsed output. stdout and stderr go to one file,
 * {@code target/it-logs/<name>.log}, so the agent's stderr lines stay in order between the app's stdout markers.
 * A run must exit 0 within its timeout; otherwise the test fails with the end of the log.
 */
final class TestApp {
    private static final int TAIL_LINES = 80;

    private final String name;
    private Path javaHome = Path.of(System.getProperty("java.home"));
    private boolean bootJar;
    /** Null: run the test app's jar as it is; otherwise {@link #mainClass} on this class path. */
    private String classPath;
    private String mainClass = "dev.poolguard.testapp.Main";
    private boolean agent;
    private String agentArgs = "";
    private final Map<String, String> env = new LinkedHashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();
    /** JVM options placed before the agent's {@code -javaagent}: another agent that is to start first. */
    private final List<String> leadingJvmArgs = new ArrayList<>();
    private final List<String> appArgs = new ArrayList<>();
    private String secret = "";
    /**
     * The database server the run uses, if any; the form of its URL the app is given; whether the run must have the
     * server to itself.
     */
    private Db server;
    private UnaryOperator<String> urlForm;
    private boolean exclusive;
    private Duration timeout = Duration.ofMinutes(2);
    /** Called, in this JVM, for every line of the app's output that starts with the key. */
    private final Map<String, Consumer<String>> onLines = new LinkedHashMap<>();

    private TestApp(String name) {
        this.name = name;
    }

    /** A run whose log is {@code <name>.log}. */
    static TestApp named(String name) {
        return new TestApp(name);
    }

    TestApp javaHome(Path home) {
        this.javaHome = home;
        return this;
    }

    /** Run the Spring Boot jar (pools in BOOT-INF/lib, nested-jar class loader) instead of the thin jar. */
    TestApp bootJar() {
        this.bootJar = true;
        return this;
    }

    /** Run with this set of pool releases on the class path. */
    TestApp libraries(Libraries libraries) {
        this.classPath = libraries.classPath();
        return this;
    }

    /** Run the test app's main class on this class path instead of its jar. */
    TestApp classPath(String classPath) {
        this.classPath = classPath;
        return this;
    }

    /** Run this class on this class path: a launcher, such as Spring Boot's PropertiesLauncher in the boot jar. */
    TestApp classPath(String classPath, String mainClass) {
        this.classPath = classPath;
        this.mainClass = mainClass;
        return this;
    }

    TestApp withAgent() {
        this.agent = true;
        return this;
    }

    /** Attach the agent with arguments, e.g. {@code hold.warn=1s}. */
    TestApp withAgent(String args) {
        this.agent = true;
        this.agentArgs = args;
        return this;
    }

    TestApp env(String key, String value) {
        env.put(key, value);
        return this;
    }

    TestApp env(Map<String, String> values) {
        env.putAll(values);
        return this;
    }

    TestApp jvmArg(String arg) {
        jvmArgs.add(arg);
        return this;
    }

    /** A JVM option ahead of the agent's {@code -javaagent} (another agent given first); the others follow it. */
    TestApp leadingJvmArg(String arg) {
        leadingJvmArgs.add(arg);
        return this;
    }

    TestApp systemProperty(String key, String value) {
        jvmArgs.add("-D" + key + "=" + value);
        return this;
    }

    /**
     * Run on a database of its own (named after the run) on this server, created when the run has its turn on the
     * server (a run that restarts it may hold it until then).
     */
    TestApp db(Db db) {
        return db(db, url -> url);
    }

    /** The same, with the URL in another form (another driver's, say). */
    TestApp db(Db db, UnaryOperator<String> form) {
        server = db;
        urlForm = form;
        secret = db.password();
        return this;
    }

    /** After {@link #db}: the app restarts the server on each "FAULT restart" line; no other run uses it meanwhile. */
    TestApp restartsServer(long downMillis) {
        exclusive = true;
        return onEveryLine("FAULT restart", line -> server.restart(downMillis));
    }

    /** A string that must be masked in the log header (a password inside a URL given with {@code args}). */
    TestApp secret(String secret) {
        this.secret = secret;
        return this;
    }

    TestApp pools(String csv) {
        return args("--pool", csv);
    }

    TestApp scenarios(String csv) {
        return args("--scenario", csv);
    }

    TestApp isolated() {
        return args("--isolated");
    }

    TestApp args(String... args) {
        appArgs.addAll(Arrays.asList(args));
        return this;
    }

    TestApp timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** While the app runs, calls {@code action} for each line starting with {@code prefix} (the app goes on). */
    TestApp onEveryLine(String prefix, Consumer<String> action) {
        onLines.put(prefix, action);
        return this;
    }

    AppOutput run() {
        return run(null, null);
    }

    /**
     * Runs the app and, once its output has a line starting with {@code marker}, calls {@code onMarker} with the
     * app's process (to attach to it, for instance) while the app goes on.
     */
    AppOutput run(String marker, Consumer<ProcessHandle> onMarker) {
        return server == null ? launch(marker, onMarker) : server.use(exclusive, () -> launch(marker, onMarker));
    }

    private AppOutput launch(String marker, Consumer<ProcessHandle> onMarker) {
        List<String> command = command();
        Path log = ItSettings.logsDir().resolve(name + ".log");
        Path workDir = ItSettings.workDir().resolve(name);
        long started = System.nanoTime();
        try {
            Files.createDirectories(log.getParent());
            Files.createDirectories(workDir);
            Files.writeString(log, header(command), StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile()));
            // Flags in the CI's own environment must not leak into a run.
            builder.environment().keySet().removeIf(k -> k.startsWith("POOLGUARD_"));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (marker != null) {
                awaitLine(log, marker, process, started);
                onMarker.accept(process.toHandle());
            }
            long left = timeout.toMillis() - (System.nanoTime() - started) / 1_000_000;
            if (!onLines.isEmpty()) {
                left = watchLines(log, process, left);
            }
            if (!process.waitFor(Math.max(0, left), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(name + ": the test app did not finish within " + timeout.toSeconds() + " s; " + tail(log));
            }
            if (process.exitValue() != 0) {
                fail(name + ": the test app exited with " + process.exitValue() + "; " + tail(log));
            }
            System.out.printf("[it] %s finished in %.1f s (log %s)%n",
                    name, (System.nanoTime() - started) / 1e9, log);
            return AppOutput.parse(name, readLines(log));
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": could not run the test app", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted", e);
        }
    }

    /** Dispatches new lines to {@link #onLines} until the app exits or {@code leftMs} run out; returns what is left. */
    private long watchLines(Path log, Process process, long leftMs) throws IOException, InterruptedException {
        long end = System.nanoTime() + leftMs * 1_000_000;
        int seen = 0;
        boolean alive = true;
        while (alive && System.nanoTime() - end < 0) {
            alive = !process.waitFor(50, TimeUnit.MILLISECONDS);
            List<String> lines = readLines(log);
            for (; seen < lines.size(); seen++) {
                String line = lines.get(seen);
                onLines.forEach((prefix, action) -> {
                    if (line.startsWith(prefix)) {
                        action.accept(line);
                    }
                });
            }
        }
        return Math.max(0, (end - System.nanoTime()) / 1_000_000);
    }

    private void awaitLine(Path log, String marker, Process process, long started)
            throws IOException, InterruptedException {
        while (readLines(log).stream().noneMatch(l -> l.startsWith(marker))) {
            if (!process.isAlive() || System.nanoTime() - started > timeout.toNanos()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(name + ": no line starting with '" + marker + "'; " + tail(log));
            }
            Thread.sleep(50);
        }
    }

    private List<String> command() {
        Path java = javaHome.resolve("bin").resolve("java");
        assertTrue(Files.isExecutable(java), () -> name + ": no java executable at " + java);
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(leadingJvmArgs);
        if (agent) {
            String jar = ItSettings.agentJar().toString();
            command.add("-javaagent:" + jar + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        }
        command.addAll(jvmArgs);
        if (classPath != null) {
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass);
        } else {
            command.add("-jar");
            command.add((bootJar ? ItSettings.testAppBootJar() : ItSettings.testAppJar()).toString());
        }
        command.addAll(appArgs);
        if (server != null) {
            command.add("--db");
            command.add(urlForm.apply(server.jdbcUrl(name)));
        }
        return command;
    }

    private String header(List<String> command) {
        String shown = String.join(" ", command) + "\n# env: " + env;
        if (!secret.isEmpty()) {
            shown = shown.replace(secret, "***");
        }
        return "# " + shown + "\n";
    }

    private static List<String> readLines(Path log) throws IOException {
        // Decoded leniently: a stray byte from a driver must not break the parse.
        return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
    }

    private static String tail(Path log) {
        try {
            List<String> lines = readLines(log);
            List<String> tail = lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size());
            return "log " + log + " ends with:\n" + String.join("\n", tail);
        } catch (IOException e) {
            return "log " + log + " unreadable: " + e;
        }
    }
}
