package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What the agent leaves on the machine: no listening socket and no file. The app runs with the agent, MBeans and
 * JFR events on (the defaults), through a fault and a long hold; while it holds, the JVM's sockets are read from
 * {@code /proc}; after it exits, its working directory and its {@code java.io.tmpdir} must hold exactly what the
 * same run without the agent leaves there.
 */
class FootprintIT {
    private static final Runs RUNS = new Runs();
    private static final Pattern SOCKET = Pattern.compile("socket:\\[(\\d+)]");
    /** TCP state 0A is LISTEN in /proc/net/tcp. */
    private static final String LISTEN = "0A";

    private record Run(AppOutput out, Set<String> listening, Set<String> files) {}

    private static final java.util.Map<Boolean, Run> BY_AGENT = new java.util.concurrent.ConcurrentHashMap<>();

    private static Run run(boolean agent) {
        return BY_AGENT.computeIfAbsent(agent, a -> {
            String name = "FootprintIT-" + (agent ? "agent" : "no-agent");
            Path work = ItSettings.workDir().resolve(name);
            Path tmp = work.resolve("tmp");
            try {
                deleteTree(work);
                Files.createDirectories(tmp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            AtomicReference<Set<String>> listening = new AtomicReference<>();
            TestApp app = TestApp.named(name).db(Db.POSTGRES).pools("hikari,tomcat").scenarios("stale,hold")
                    .jvmArg("-Djava.io.tmpdir=" + tmp.toAbsolutePath());
            AppOutput out = RUNS.get(name, () -> (agent ? app.withAgent().env("POOLGUARD_HOLD_WARN", "1s") : app)
                    .run("SCENARIO pool=tomcat db=postgres scenario=hold",
                            process -> listening.set(listeningPorts(process.pid()))));
            return new Run(out, listening.get(), filesUnder(work));
        });
    }

    @Test
    void theAgentOpensNoListeningSocket() {
        Run with = run(true);
        assertFalse(with.out().events("agent.started").isEmpty(), with.out()::toString);
        assertFalse(with.out().events("hold.long").isEmpty(), "the agent was at work when the sockets were read");
        assertEquals(Set.of(), with.listening(), with.out()::toString);
        assertEquals(Set.of(), run(false).listening());
    }

    @Test
    void theAgentWritesNoFile() {
        Set<String> with = run(true).files();
        assertEquals(run(false).files(), with, "files the run left in its working directory and tmpdir");
    }

    /** The reading of /proc finds a socket that does listen: this JVM's own. */
    @Test
    void theSocketCheckSeesAListeningSocket() throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Set<String> ports = listeningPorts(ProcessHandle.current().pid());
            assertTrue(ports.contains(Integer.toString(server.getLocalPort())), ports::toString);
        }
    }

    /** The local ports of the TCP sockets that process {@code pid} has open in the LISTEN state. */
    static Set<String> listeningPorts(long pid) {
        Set<String> inodes = new HashSet<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.collect(Collectors.toList())) {
                try {
                    Matcher m = SOCKET.matcher(Files.readSymbolicLink(fd).toString());
                    if (m.matches()) {
                        inodes.add(m.group(1));
                    }
                } catch (IOException closedMeanwhile) {
                    // a descriptor closed while listed
                }
            }
            Set<String> ports = new TreeSet<>();
            for (String table : List.of("tcp", "tcp6")) {
                Path file = Path.of("/proc", Long.toString(pid), "net", table);
                if (!Files.exists(file)) {
                    continue;
                }
                for (String line : Files.readAllLines(file)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && LISTEN.equals(f[3]) && inodes.contains(f[9])) {
                        ports.add(Integer.toString(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16)));
                    }
                }
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc for process " + pid, e);
        }
    }

    private static Set<String> filesUnder(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> !p.equals(dir)).map(p -> dir.relativize(p).toString())
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
