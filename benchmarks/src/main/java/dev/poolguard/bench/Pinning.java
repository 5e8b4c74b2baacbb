package dev.poolguard.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Pins the database server to the last core this JVM may use, and this JVM, with the benchmark forks it starts from
 * now on, to the others; {@link #close} gives both every core again. Unpinned on 2 cores, 8 client threads and 8
 * server backends share both cores, and a fork's steady throughput moves by ±25 % from one fork to the next, with or
 * without the agent; pinned, it moves by about 3 %. Linux's {@code taskset} does it; where it is missing or there is
 * one core, nothing is pinned and {@link #describe} says so.
 */
final class Pinning implements AutoCloseable {

    private final List<Long> server;
    private final String all;
    private final String why;

    private Pinning(List<Long> server, String all, String why) {
        this.server = server;
        this.all = all;
        this.why = why;
    }

    /**
     * @param dataDir the PostgreSQL data directory, whose {@code postmaster.pid} names the server process. Pinning
     * the postmaster and this JVM must succeed, or nothing stays pinned; a server process that has gone meanwhile
     * is skipped.
     */
    static Pinning pin(Path dataDir) throws InterruptedException {
        long self = ProcessHandle.current().pid();
        List<Long> server = new ArrayList<>();
        String all = null;
        try {
            List<Integer> cores = cores(self);
            if (cores.size() < 2) {
                return new Pinning(List.of(), null, "not pinned: one core");
            }
            all = cores.stream().map(String::valueOf).collect(Collectors.joining(","));
            long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
            String last = String.valueOf(cores.get(cores.size() - 1));
            String others = cores.subList(0, cores.size() - 1).stream().map(String::valueOf)
                .collect(Collectors.joining(","));
            taskset(last, postmaster); // backends started later are forked by the postmaster and inherit its core
            server.add(postmaster);
            for (ProcessHandle child : ProcessHandle.of(postmaster).map(p -> p.descendants().toList()).orElse(List.of())) {
                if (tryTaskset(last, child.pid())) {
                    server.add(child.pid());
                }
            }
            if (!tryTaskset(others, self)) {
                taskset(others, self); // once more: a JVM thread that ends while taskset runs fails it
            }
            return new Pinning(server, all, "the database on core " + last + ", the benchmark JVMs on "
                + (cores.size() > 2 ? "cores " : "core ") + others);
        } catch (IOException | RuntimeException e) {
            new Pinning(server, all, null).close();
            return new Pinning(List.of(), null, "not pinned: " + e.getMessage());
        }
    }

    String describe() {
        return why;
    }

    /** Gives every core back; a server process that has ended meanwhile is skipped. Never throws. */
    @Override
    public void close() throws InterruptedException {
        if (all == null) {
            return;
        }
        for (long pid : server) {
            tryTaskset(all, pid);
        }
        if (!tryTaskset(all, ProcessHandle.current().pid())) {
            System.err.println("could not give this JVM every core again: later benchmarks run on fewer cores");
        }
    }

    private static boolean tryTaskset(String cores, long pid) throws InterruptedException {
        try {
            taskset(cores, pid);
            return true;
        } catch (IOException e) {
            return false; // e.g. a backend or a JVM thread that ended while taskset ran
        }
    }

    /** The cores {@code pid} may run on, from {@code taskset -c -p}: "pid 42's current affinity list: 0,2-3". */
    private static List<Integer> cores(long pid) throws IOException, InterruptedException {
        String out = run("taskset", "-c", "-p", String.valueOf(pid));
        List<Integer> cores = new ArrayList<>();
        for (String part : out.substring(out.lastIndexOf(':') + 1).trim().split(",")) {
            String[] range = part.split("-");
            for (int c = Integer.parseInt(range[0]); c <= Integer.parseInt(range[range.length - 1]); c++) {
                cores.add(c);
            }
        }
        return cores;
    }

    /** Every thread of {@code pid} ({@code -a}), so the JMH runner's threads, which start the forks, are included. */
    private static void taskset(String cores, long pid) throws IOException, InterruptedException {
        run("taskset", "-a", "-c", "-p", cores, String.valueOf(pid));
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out.trim());
        }
        return out;
    }
}
