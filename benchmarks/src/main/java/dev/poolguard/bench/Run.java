package dev.poolguard.bench;

import dev.poolguard.testapp.db.EmbeddedDatabase;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every benchmark in forked JVMs without and with {@code -javaagent} against one embedded PostgreSQL, and
 * writes the paired figures with their ratio to the budget as Markdown. {@code --smoke}: one short iteration of
 * each, so CI notices a benchmark that no longer runs; its figures mean nothing.
 */
public final class Run {

    static final String URL_PROPERTY = "poolguard.bench.url";
    private static final String POOLS = "hikari,dbcp2,tomcat,c3p0,druid,agroal,vibur,ucp";

    private final boolean smoke;
    private final String agent;
    private final Path testApp;
    private final Path otherReleases;
    private final Path springBootReleases;
    private final Report report;

    private Run(boolean smoke, String agent, Path testApp, Path otherReleases, Path springBootReleases) {
        this.smoke = smoke;
        this.agent = agent;
        this.testApp = testApp;
        this.otherReleases = otherReleases;
        this.springBootReleases = springBootReleases;
        this.report = new Report(smoke);
    }

    /** The database every benchmark fork uses, passed down as a system property. */
    static String url() {
        return System.getProperty(URL_PROPERTY);
    }

    public static void main(String[] args) throws Exception {
        List<String> list = Arrays.asList(args);
        boolean smoke = list.contains("--smoke");
        String agent = Path.of(value(list, "--agent", "agent/target/poolguard-agent.jar")).toAbsolutePath().toString();
        Path testApp = Path.of(value(list, "--test-app", "test-app/target/poolguard-test-app.jar")).toAbsolutePath();
        Path out = Path.of(value(list, "--out", "benchmarks/target/benchmarks.md"));
        // Releases of HikariCP and pgjdbc the agent did not pre-weave, for start-up (benchmarks/pom.xml copies them).
        Path otherReleases = Path.of(value(list, "--other-releases", "benchmarks/target/other-releases"))
            .toAbsolutePath();
        // The releases Spring Boot 4.0.3 manages, which the agent pre-weaves beside the test app's own.
        Path springBootReleases = Path.of(value(list, "--spring-boot-releases",
            "benchmarks/target/spring-boot-releases")).toAbsolutePath();
        if (!Files.isRegularFile(Path.of(agent)) || !Files.isRegularFile(testApp)) {
            throw new IllegalArgumentException("build first: no " + agent + " or " + testApp);
        }
        Path work = Files.createTempDirectory("poolguard-bench-");
        try (EmbeddedDatabase db = EmbeddedDatabase.startPostgres(work)) {
            Run run = new Run(smoke, agent, testApp, otherReleases, springBootReleases);
            // --only borrow,query,startup,pings,growth: a part of the run, e.g. after a change that touches only it.
            List<String> only = Arrays.asList(value(list, "--only", "borrow,query,startup,pings,growth").split(","));
            if (only.contains("borrow")) {
                run.borrowCycle(db.jdbcUrl());
            }
            if (only.contains("query")) {
                run.queryWorkload(db.jdbcUrl(), work.resolve("data")); // where EmbeddedDatabase puts it
            }
            if (only.contains("startup")) {
                run.startup(db.jdbcUrl());
            }
            if (only.contains("pings")) {
                run.pingEconomy(db.jdbcUrl());
            }
            if (only.contains("growth")) {
                run.growth(db.jdbcUrl());
            }
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, run.report.markdown(machine()));
            System.out.println(run.report.markdown(machine()));
            System.out.println("written to " + out);
        } finally {
            deleteRecursively(work);
        }
    }

    /**
     * Without the agent; with it at its defaults (HOLD_STACK=auto, nothing armed: the app shows no long hold); with
     * HOLD_STACK=false; with HOLD_STACK=true (what auto costs once armed).
     */
    private void borrowCycle(String url) throws RunnerException {
        String[] depths = smoke ? new String[] {"10"} : new String[] {"10", "100"};
        Collection<RunResult> without = new Runner(jmh(BorrowCycle.class, url).param("depth", depths).build()).run();
        Collection<RunResult> defaults = new Runner(jmh(BorrowCycle.class, url, "-javaagent:" + agent)
            .param("depth", depths).build()).run();
        Collection<RunResult> never = new Runner(jmh(BorrowCycle.class, url, "-javaagent:" + agent,
            "-Dpoolguard.hold.stack=false").param("depth", depths).build()).run();
        Collection<RunResult> always = new Runner(jmh(BorrowCycle.class, url, "-javaagent:" + agent,
            "-Dpoolguard.hold.stack=true").param("depth", depths).build()).run();
        report.borrowCycle(without, defaults, never, always);
    }

    /**
     * The database on a core of its own and the forks on the others (see {@link Pinning}): 8 threads and 8 server
     * backends sharing 2 cores made a fork's steady rate move by ±25 % from fork to fork. Rounds of one fork without
     * and one with the agent, alternating which goes first, so that a drift of the machine falls on both sides; each
     * fork warmed up for 10 s (the JIT of the driver and the pool, with and without the agent alike, takes 6–8 s on
     * one core), so that the ratio compares steady states rather than two warm-up curves.
     */
    private void queryWorkload(String url, Path dataDir) throws RunnerException, IOException, InterruptedException {
        List<Collection<RunResult>> without = new ArrayList<>();
        List<Collection<RunResult>> with = new ArrayList<>();
        try (Pinning pinning = Pinning.pin(dataDir)) {
            for (int round = 0; round < (smoke ? 1 : 3); round++) {
                for (boolean agentRun : round % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                    ChainedOptionsBuilder b = agentRun ? jmh(QueryWorkload.class, url, "-javaagent:" + agent)
                        : jmh(QueryWorkload.class, url);
                    (agentRun ? with : without).add(new Runner(steady(b).build()).run());
                }
            }
            report.queryWorkload(without, with, pinning.describe());
        }
    }

    private ChainedOptionsBuilder steady(ChainedOptionsBuilder b) {
        return smoke ? b : b.forks(1).warmupIterations(10).warmupTime(TimeValue.seconds(1))
            .measurementIterations(5).measurementTime(TimeValue.seconds(2));
    }

    /**
     * Runs of the test app building one pool and answering one request: without the agent, with it switched off
     * ({@code POOLGUARD_ENABLED=false}: what the JVM spends on any {@code -javaagent} of this jar before the agent
     * does anything) and with it; without and with the agent, the same app with PostgreSQL's as its only driver (the
     * test app also carries the Oracle, MariaDB and MySQL drivers, which {@code DriverManager} loads at the first
     * connection and the agent never pre-weaves); with pgjdbc the only driver, on the releases of HikariCP and pgjdbc
     * Spring Boot 4.0.3 manages, which the agent pre-weaves too, and on releases of the two it does not pre-weave,
     * which it weaves at start-up. Each round launches all nine, in a different order.
     */
    private void startup(String url) throws IOException, InterruptedException {
        int rounds = smoke ? 2 : 11;
        List<Path> other = hikariAndPgjdbc(otherReleases);
        List<Path> springBoot = hikariAndPgjdbc(springBootReleases);
        Map<AgentMode, List<Path>> classPaths = Map.of(
            AgentMode.ONE_DRIVER_NONE, classPath(List.of(), ONE_DRIVER_DROPS),
            AgentMode.ONE_DRIVER_ON, classPath(List.of(), ONE_DRIVER_DROPS),
            AgentMode.SPRING_BOOT_NONE, classPath(springBoot, OTHER_RELEASES_DROPS),
            AgentMode.SPRING_BOOT_ON, classPath(springBoot, OTHER_RELEASES_DROPS),
            AgentMode.OTHER_NONE, classPath(other, OTHER_RELEASES_DROPS),
            AgentMode.OTHER_ON, classPath(other, OTHER_RELEASES_DROPS));
        List<Launch[]> runs = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            Launch[] round = new Launch[AgentMode.values().length];
            for (int k = 0; k < round.length; k++) {
                AgentMode mode = AgentMode.values()[(i + k) % round.length];
                round[mode.ordinal()] = launch(url, mode, classPaths.get(mode));
            }
            runs.add(round);
        }
        // the first round warms the file cache
        report.startup(runs.subList(smoke ? 0 : 1, runs.size()), releases(testApp.getParent().resolve("lib")),
            releases(springBootReleases), releases(otherReleases));
    }

    private static List<Path> hikariAndPgjdbc(Path dir) throws IOException {
        List<Path> jars = jars(dir);
        if (jars.size() != 2) {
            throw new IllegalArgumentException("expected a HikariCP and a pgjdbc jar in " + dir + ": " + jars);
        }
        return jars;
    }

    /** How a start-up run has the agent, and on which class path; a round's launches are indexed by its ordinal. */
    enum AgentMode {
        NONE, OFF, ON, ONE_DRIVER_NONE, ONE_DRIVER_ON, SPRING_BOOT_NONE, SPRING_BOOT_ON, OTHER_NONE, OTHER_ON
    }

    private static final List<String> ONE_DRIVER_DROPS =
        List.of("ojdbc", "ucp", "mariadb-java-client-", "mysql-connector-j-");
    /** Other releases of HikariCP and pgjdbc, and pgjdbc the only driver, as in a Spring Boot application on them. */
    private static final List<String> OTHER_RELEASES_DROPS = List.of("HikariCP-", "postgresql-", "ojdbc", "ucp",
        "mariadb-java-client-", "mysql-connector-j-");

    /**
     * The test app's classes and its libraries but those whose names start as in {@code drops}, after
     * {@code replacements}: a class path of its own, since the thin jar's manifest names its own libraries.
     */
    private List<Path> classPath(List<Path> replacements, List<String> drops) throws IOException {
        List<Path> classPath = new ArrayList<>(List.of(testApp.getParent().resolve("classes")));
        classPath.addAll(replacements);
        for (Path jar : jars(testApp.getParent().resolve("lib"))) {
            String name = jar.getFileName().toString();
            if (drops.stream().noneMatch(name::startsWith)) {
                classPath.add(jar);
            }
        }
        return classPath;
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
        }
    }

    /** "HikariCP 7.1.0, pgjdbc 42.7.14": the releases of the two in a directory of jars. */
    private static String releases(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        for (Path jar : jars(dir)) {
            String name = jar.getFileName().toString().replaceFirst("\\.jar$", "");
            if (name.startsWith("HikariCP-") || name.startsWith("postgresql-")) {
                int dash = name.lastIndexOf('-');
                found.add((name.startsWith("postgresql") ? "pgjdbc" : "HikariCP") + " " + name.substring(dash + 1));
            }
        }
        return String.join(", ", found);
    }

    /** One run of the test app: wall time, and CPU time of all its threads (-1 where it cannot be read). */
    record Launch(long wallMillis, long cpuMillis) {
    }

    /** Counted by the agent's own MBeans in a JVM that has the agent. */
    private void pingEconomy(String url) throws IOException, InterruptedException {
        report.pingEconomy(java(true, PingEconomy.class, url, smoke ? "300" : "3000", POOLS));
    }

    /** Heap after GC around many borrow cycles, without and with the agent. */
    private void growth(String url) throws IOException, InterruptedException {
        String cycles = smoke ? "20000" : "10000000";
        String seconds = smoke ? "2" : "40";
        report.growth(java(false, Growth.class, url, cycles, seconds, POOLS),
            java(true, Growth.class, url, cycles, seconds, POOLS));
    }

    /** Runs {@code main} in a JVM of its own on this jar's class path; returns what it printed. */
    private List<String> java(boolean withAgent, Class<?> main, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx1g"));
        if (withAgent) {
            command.add("-javaagent:" + agent);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<String> lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .lines().toList();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(main.getSimpleName() + " failed: " + command + "\n" + lines);
        }
        lines.forEach(System.out::println);
        return lines;
    }

    private Launch launch(String url, AgentMode mode, List<Path> otherClassPath)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (mode == AgentMode.OFF || mode == AgentMode.ON || mode == AgentMode.ONE_DRIVER_ON
            || mode == AgentMode.SPRING_BOOT_ON || mode == AgentMode.OTHER_ON) {
            command.add("-javaagent:" + agent);
        }
        if (otherClassPath != null) {
            command.addAll(List.of("-cp", otherClassPath.stream().map(Path::toString)
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)), "dev.poolguard.testapp.Main"));
        } else {
            command.addAll(List.of("-jar", testApp.toString()));
        }
        command.addAll(List.of("--db", url, "--pool", "hikari", "--scenario", "startup"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        if (mode == AgentMode.OFF) {
            builder.environment().put("POOLGUARD_ENABLED", "false");
        }
        long cpuBefore = childrenCpuMillis();
        long start = System.nanoTime();
        Process p = builder.start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("the test app failed: " + command);
        }
        long wall = (System.nanoTime() - start) / 1_000_000;
        long cpuAfter = childrenCpuMillis();
        return new Launch(wall, cpuBefore < 0 || cpuAfter < 0 ? -1 : cpuAfter - cpuBefore);
    }

    /**
     * User and system CPU of this JVM's children that have ended and been waited for ({@code cutime} and
     * {@code cstime} of {@code /proc/self/stat}, in ticks of 10 ms); -1 where there is no such file. The database's
     * processes, also children, count only when it stops.
     */
    private static long childrenCpuMillis() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields[0] is the state, field 3 of the file: cutime and cstime are fields 16 and 17
            return (Long.parseLong(fields[13]) + Long.parseLong(fields[14])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private ChainedOptionsBuilder jmh(Class<?> benchmark, String url, String... jvmArgs) {
        List<String> args = new ArrayList<>(List.of("-D" + URL_PROPERTY + "=" + url, "-Xmx1g"));
        args.addAll(Arrays.asList(jvmArgs));
        ChainedOptionsBuilder b = new OptionsBuilder().include("\\." + benchmark.getSimpleName() + "\\.")
            .jvmArgsAppend(args.toArray(new String[0])).shouldFailOnError(true);
        return smoke
            ? b.forks(1).warmupIterations(1).warmupTime(TimeValue.milliseconds(200))
                .measurementIterations(1).measurementTime(TimeValue.milliseconds(200))
            : b.forks(2).warmupIterations(3).warmupTime(TimeValue.seconds(1))
                .measurementIterations(5).measurementTime(TimeValue.seconds(1));
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
            + System.getProperty("java.runtime.version") + ", " + System.getProperty("os.name") + " "
            + System.getProperty("os.arch") + ", JVM args of the launcher: "
            + ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    private static String value(List<String> args, String name, String otherwise) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : otherwise;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
    }
}
