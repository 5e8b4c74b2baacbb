package dev.poolguard.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One WildFly server of the distribution the build unpacked, in a server base directory of its own (configuration,
 * deployments, data, logs), started with {@code bin/standalone.sh} on loopback with a free port offset: the
 * datasources go into a copy of {@code standalone.xml}, their drivers are modules, and the deployment is a JSP-only
 * WAR that borrows, runs {@code SELECT 1} and returns per request. Its output (the agent's lines among it) is a file.
 */
final class WildFly implements AutoCloseable {
    /** Each request must be answered within this, or it counts as missed. */
    static final Duration DEADLINE = Duration.ofSeconds(6);
    private static final String CONTEXT = "poolguard";
    private static final Pattern CONTINUED = Pattern.compile("(^|\\[stderr\\] \\([^)]*\\) )\\s{2,}\\S");
    private static final String PAGE = """
            <%@ page import="java.sql.*,javax.naming.InitialContext,javax.sql.DataSource" contentType="text/plain" %><%
                String hold = request.getParameter("hold");
                DataSource source = (DataSource) new InitialContext().lookup("java:jboss/datasources/" + request.getParameter("ds"));
                try (Connection c = source.getConnection(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT 1")) {
                    r.next();
                    if (hold != null) {
                        Thread.sleep(Long.parseLong(hold));
                    }
                    out.print("ok " + r.getInt(1));
                } catch (Exception e) {
                    response.setStatus(500);
                    out.print("error " + e);
                }
            %>""";

    /**
     * A datasource: its pool name (also its JNDI name's last part), its URL, whether it validates on match, its
     * maximum size and how long a borrow waits for a connection when all are in use.
     */
    record Datasource(String name, String url, boolean validating, int maxSize, long blockingMillis) {}

    /** One request's outcome: answered ok within the deadline, or not, and how long it took. */
    record Outcome(boolean ok, long millis, String detail) {
        @Override
        public String toString() {
            return (ok ? "ok" : "FAILED") + " " + millis + "ms" + (ok ? "" : " " + detail);
        }
    }

    private final String version;
    private final Path base;
    private final Path output;
    private final int offset;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(DEADLINE).build();

    private WildFly(String version, Path base, int offset, Process process) {
        this.version = version;
        this.base = base;
        this.output = base.resolve("server-output.log");
        this.offset = offset;
        this.process = process;
    }

    /**
     * Starts WildFly {@code version} with these datasources and JVM options, and waits until
     * the deployment answers.
     */
    static WildFly start(String version, String run, List<Datasource> datasources, List<String> javaOpts,
                         Map<String, String> env) throws IOException, InterruptedException {
        Path home = ItSettings.wildflyHomes().resolve("wildfly-" + version);
        Path base = ItSettings.workDir().resolve("wildfly-" + run);
        Db.deleteRecursively(base);
        Files.createDirectories(base.resolve("deployments"));
        Files.createDirectories(base.resolve("configuration"));
        try (var files = Files.list(home.resolve("standalone/configuration"))) {
            for (Path f : files.toList()) {
                Files.copy(f, base.resolve("configuration").resolve(f.getFileName()));
            }
        }
        Path modules = base.resolve("modules");
        driverModule(modules, "org.postgresql", "postgresql.jar");
        driverModule(modules, "org.mariadb.jdbc", "mariadb-java-client.jar");
        Path config = base.resolve("configuration/standalone.xml");
        Files.writeString(config, withDatasources(Files.readString(config), datasources));
        Path war = base.resolve("deployments/" + CONTEXT + ".war");
        Files.createDirectories(war);
        Files.writeString(war.resolve("db.jsp"), PAGE);
        Files.writeString(war.resolve("up.jsp"), "up");
        Files.createFile(base.resolve("deployments/" + CONTEXT + ".war.dodeploy"));

        int offset = freeOffset();
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/standalone.sh").toString(),
                "-b", "127.0.0.1", "-bmanagement", "127.0.0.1",
                "-Djboss.server.base.dir=" + base, "-Djboss.socket.binding.port-offset=" + offset,
                "-Djboss.node.name=" + run);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("JBOSS_MODULEPATH", modules + ":" + home.resolve("modules"));
        pb.environment().put("JAVA_OPTS", String.join(" ", javaOpts));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(base.resolve("server-output.log").toFile());
        WildFly server = new WildFly(version, base, offset, pb.start());
        server.awaitUp();
        return server;
    }

    private static void driverModule(Path modules, String name, String jar) throws IOException {
        Path dir = modules.resolve(name.replace('.', '/')).resolve("main");
        Files.createDirectories(dir);
        Files.copy(ItSettings.wildflyDrivers().resolve(jar), dir.resolve(jar));
        Files.writeString(dir.resolve("module.xml"), """
                <module xmlns="urn:jboss:module:1.5" name="%s">
                  <resources><resource-root path="%s"/></resources>
                  <dependencies><module name="javax.api"/></dependencies>
                </module>
                """.formatted(name, jar));
    }

    /** Adds the datasources (WildFly's defaults: no validation unless asked for) and the two drivers. */
    private static String withDatasources(String xml, List<Datasource> datasources) {
        StringBuilder ds = new StringBuilder();
        for (Datasource d : datasources) {
            boolean pg = d.url().startsWith("jdbc:postgresql:");
            String validation = !d.validating() ? "" : """
                    <validation>
                        <valid-connection-checker class-name="org.jboss.jca.adapters.jdbc.extensions.%s"/>
                        <validate-on-match>true</validate-on-match>
                    </validation>
                    """.formatted(pg ? "postgres.PostgreSQLValidConnectionChecker" : "mysql.MySQLValidConnectionChecker");
            ds.append("""
                    <datasource jndi-name="java:jboss/datasources/%s" pool-name="%s" enabled="true">
                        <connection-url>%s</connection-url>
                        <driver>%s</driver>
                        <pool><min-pool-size>0</min-pool-size><max-pool-size>%d</max-pool-size></pool>
                        %s<timeout><blocking-timeout-millis>%d</blocking-timeout-millis></timeout>
                    </datasource>
                    """.formatted(d.name(), d.name(), d.url().replace("&", "&amp;"), pg ? "pg" : "mariadb",
                    d.maxSize(), validation, d.blockingMillis()));
        }
        String drivers = """
                <driver name="pg" module="org.postgresql"><driver-class>org.postgresql.Driver</driver-class></driver>
                <driver name="mariadb" module="org.mariadb.jdbc"><driver-class>org.mariadb.jdbc.Driver</driver-class></driver>
                """;
        if (!xml.contains("<drivers>") || !xml.contains("</datasources>")) {
            throw new IllegalStateException("no datasources subsystem in standalone.xml");
        }
        return xml.replace("<drivers>", ds + "<drivers>" + drivers);
    }

    /** A port offset under which HTTP, management and the transaction ports are all free on loopback. */
    private static int freeOffset() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(10_000, 40_000);
            if (free(8080 + offset) && free(9990 + offset) && free(8443 + offset) && free(9993 + offset)
                    && free(4712 + offset) && free(4713 + offset)) {
                return offset;
            }
        }
        throw new IOException("no free port offset for WildFly");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void awaitUp() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("WildFly " + version + " exited: " + tail());
            }
            try {
                HttpResponse<String> r = http.send(request("/up.jsp"), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("WildFly " + version + " did not answer within 120 s: " + tail());
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (8080 + offset) + "/" + CONTEXT + path))
                .timeout(DEADLINE).build();
    }

    /** {@code count} requests at once to datasource {@code ds}, each holding its connection {@code holdMillis}. */
    List<Outcome> requests(String ds, int count, long holdMillis) {
        List<CompletableFuture<Outcome>> pending = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long start = System.nanoTime();
            pending.add(http.sendAsync(request("/db.jsp?ds=" + ds + (holdMillis > 0 ? "&hold=" + holdMillis : "")),
                            HttpResponse.BodyHandlers.ofString())
                    .handle((r, e) -> {
                        long ms = (System.nanoTime() - start) / 1_000_000;
                        if (e != null) {
                            return new Outcome(false, ms, e.getClass().getSimpleName() + " (no answer)");
                        }
                        boolean ok = r.statusCode() == 200 && r.body().startsWith("ok");
                        return new Outcome(ok, ms, r.statusCode() + " " + r.body().strip());
                    }));
        }
        List<Outcome> outcomes = new ArrayList<>();
        pending.forEach(f -> outcomes.add(f.join()));
        return outcomes;
    }

    /** Attaches the agent to the running server ({@code java -jar poolguard-agent.jar <pid>}) and waits for it. */
    void attachAgent() throws IOException, InterruptedException {
        long pid = process.descendants().filter(p -> p.info().command().orElse("").endsWith("java"))
                .mapToLong(ProcessHandle::pid).findFirst()
                .orElseThrow(() -> new IllegalStateException("no java process under " + process.pid()));
        Process attach = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                ItSettings.agentJar().toString(), String.valueOf(pid)).redirectErrorStream(true)
                .redirectOutput(base.resolve("attach-output.log").toFile()).start();
        if (!attach.waitFor(60, TimeUnit.SECONDS) || attach.exitValue() != 0) {
            attach.destroyForcibly();
            throw new IllegalStateException("attach failed: " + Files.readString(base.resolve("attach-output.log")));
        }
    }

    /** Where the output ends now: {@link #agentLinesSince} reads what comes after. */
    long mark() {
        try {
            return Files.size(output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything the server wrote after {@code mark}. */
    String outputSince(long mark) {
        try {
            byte[] all = Files.readAllBytes(output);
            int from = (int) Math.min(mark, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The agent's lines ({@code [poolguard] ...}, with the stack lines of a report) written after {@code mark}. */
    List<String> agentLinesSince(long mark) {
        List<String> lines = new ArrayList<>();
        boolean inAgentLine = false;
        for (String line : outputSince(mark).lines().toList()) {
            // WildFly prefixes each line of stderr: a report's stack lines follow it, indented.
            inAgentLine = line.contains("[poolguard]") || inAgentLine && CONTINUED.matcher(line).find();
            if (inAgentLine) {
                lines.add(line);
            }
        }
        return lines;
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(output);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    Path output() {
        return output;
    }

    /** Stops the server: SIGTERM to the JVM and its script, then SIGKILL what is left after 20 s. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroy);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                p.destroyForcibly();
            }
        }
    }
}
