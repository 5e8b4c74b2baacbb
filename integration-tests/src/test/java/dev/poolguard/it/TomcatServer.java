package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Apache Tomcat, unpacked from its distribution by the build, started as users start it: {@code catalina.sh
 * run} with a CATALINA_BASE of its own under target/it-work, the agent (if any) in {@code CATALINA_OPTS} and the
 * agent's flags in the environment. It serves the test's WAR (JSPs only) at {@code /app}, on a free loopback port;
 * its shutdown port is off, so it listens on nothing else. Its stdout and stderr (Tomcat's console log, the agent's
 * {@code [poolguard]} lines) go to {@code target/it-logs/<name>.log}.
 */
final class TomcatServer implements AutoCloseable {
    private static final Duration START_WITHIN = Duration.ofSeconds(90);
    private static final int TAIL_LINES = 60;

    private final String name;
    private final Path log;
    private final Process process;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private TomcatServer(String name, Path log, Process process, int port) {
        this.name = name;
        this.log = log;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts Tomcat {@code version} and waits until the WAR answers. {@code properties} become system properties
     * (the context.xml reads the databases from them); {@code env} is the process environment's POOLGUARD_ flags.
     */
    static TomcatServer start(String name, String version, boolean agent, Map<String, String> properties,
                              Map<String, String> env) {
        Path home = ItSettings.tomcatServers().resolve("apache-tomcat-" + version);
        assertTrue(Files.isRegularFile(home.resolve("bin/catalina.sh")), () -> "no Tomcat " + version + " in " + home);
        Path base = ItSettings.workDir().resolve(name);
        Path log = ItSettings.logsDir().resolve(name + ".log");
        try {
            int port = freePort();
            layOut(home, base, port);
            List<String> opts = new ArrayList<>();
            if (agent) {
                opts.add("-javaagent:" + ItSettings.agentJar());
            }
            properties.forEach((k, v) -> opts.add("-D" + k + "=" + v));
            ProcessBuilder builder = new ProcessBuilder("bash", home.resolve("bin/catalina.sh").toString(), "run")
                    .directory(base.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile()));
            builder.environment().keySet().removeIf(k -> k.startsWith("POOLGUARD_") || k.startsWith("CATALINA_")
                    || k.equals("JAVA_OPTS") || k.equals("JRE_HOME"));
            builder.environment().putAll(env);
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().put("CATALINA_HOME", home.toString());
            builder.environment().put("CATALINA_BASE", base.toString());
            builder.environment().put("CATALINA_OPTS", String.join(" ", opts));
            Files.createDirectories(log.getParent());
            // The header leaves the options out: they hold the databases' passwords.
            Files.writeString(log, "# Tomcat " + version + " in " + base + (agent ? " with the agent" : "")
                    + ", port " + port + "\n# env: " + env + "\n", StandardCharsets.UTF_8);
            TomcatServer server = new TomcatServer(name, log, builder.start(), port);
            server.awaitStarted();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": could not start Tomcat " + version, e);
        }
    }

    /** A fresh CATALINA_BASE: Tomcat's own conf, a server.xml with one loopback connector, the WAR, the drivers. */
    private static void layOut(Path home, Path base, int port) throws IOException {
        Db.deleteRecursively(base);
        for (String dir : List.of("conf", "lib", "logs", "temp", "webapps", "work")) {
            Files.createDirectories(base.resolve(dir));
        }
        try (Stream<Path> conf = Files.list(home.resolve("conf"))) {
            for (Path file : conf.filter(Files::isRegularFile).toList()) {
                Files.copy(file, base.resolve("conf").resolve(file.getFileName()));
            }
        }
        Files.writeString(base.resolve("conf/server.xml"), serverXml(port), StandardCharsets.UTF_8);
        Files.copy(ItSettings.tomcatWebapp(), base.resolve("webapps/app.war"));
        try (Stream<Path> jars = Files.list(ItSettings.tomcatDrivers())) {
            for (Path jar : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(jar, base.resolve("lib").resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Tomcat's default server.xml reduced to what the test needs: no shutdown port (-1), one HTTP connector on
     * 127.0.0.1, no AJP, no user database, and no VersionLoggerListener (it would log the passwords in the options).
     */
    private static String serverXml(int port) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <Server port="-1" shutdown="SHUTDOWN">
                  <Listener className="org.apache.catalina.core.JreMemoryLeakPreventionListener"/>
                  <Listener className="org.apache.catalina.core.ThreadLocalLeakPreventionListener"/>
                  <Service name="Catalina">
                    <Connector port="%d" address="127.0.0.1" protocol="HTTP/1.1" connectionTimeout="20000"/>
                    <Engine name="Catalina" defaultHost="localhost">
                      <Host name="localhost" appBase="webapps" unpackWARs="true" autoDeploy="false"/>
                    </Engine>
                  </Service>
                </Server>
                """.formatted(port);
    }

    /** The result of one request to the WAR: the response's body, or why there was none. */
    record Response(boolean ok, long millis, String body) {}

    /** GET {@code path} (e.g. {@code /app/query.jsp?ds=postgres}); a miss of {@code deadline} is a failure. */
    CompletableFuture<Response> get(String path, Duration deadline) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(deadline).GET().build();
        long started = System.nanoTime();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, error) -> new Response(
                        error == null && response.statusCode() == 200,
                        (System.nanoTime() - started) / 1_000_000,
                        error != null ? error.toString()
                                : response.statusCode() == 200 ? response.body().trim()
                                : "status " + response.statusCode() + ": " + response.body().trim()));
    }

    Response getNow(String path, Duration deadline) {
        return get(path, deadline).join();
    }

    /** The local ports Tomcat listens on (its catalina.sh execs the JVM, so the process is Tomcat's JVM). */
    Set<String> listeningPorts() {
        return FootprintIT.listeningPorts(process.pid());
    }

    /** Tomcat's threads, as {@code jcmd <pid> Thread.print} shows them. */
    String threadDump() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        assertTrue(Files.isExecutable(jcmd), () -> "no jcmd in " + jcmd.getParent());
        try {
            Process dump = new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            String text = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(dump.waitFor(30, TimeUnit.SECONDS) && dump.exitValue() == 0, () -> "jcmd failed: " + text);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    int port() {
        return port;
    }

    private void awaitStarted() {
        long end = System.nanoTime() + START_WITHIN.toNanos();
        while (System.nanoTime() - end < 0) {
            if (!process.isAlive()) {
                fail(name + ": Tomcat exited with " + process.exitValue() + "; " + tail());
            }
            if (getNow("/app/mbeans.jsp", Duration.ofSeconds(10)).ok()) {
                return;
            }
            sleep(200);
        }
        close();
        fail(name + ": Tomcat did not serve /app within " + START_WITHIN.toSeconds() + " s; " + tail());
    }

    /** The lines of the log so far. */
    List<String> lines() {
        try {
            return new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String tail() {
        List<String> lines = lines();
        return "log " + log + " ends with:\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** Stops Tomcat as a service manager does (SIGTERM: its shutdown hook stops it), killing it after 20 s. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return name + " (log " + log + ")";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
