package dev.poolguard.bench;

import dev.poolguard.testapp.Pool;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;

/**
 * Whether many borrow cycles leave anything behind, in a JVM that has the agent: for each pool at its defaults, heap
 * in use after a full GC before and after {@code cycles} borrow-and-return cycles on one thread. Prints one
 * {@code GROWTH} line per pool for {@link Run}.
 */
public final class Growth {

    private Growth() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long cycles = Long.parseLong(args[1]);
        for (String name : args[2].split(",")) {
            try (Pool pool = Pool.open(name, url)) {
                cycle(pool, Math.min(cycles, 100_000)); // warm up: classes, JIT, the pool's own structures
                long before = usedAfterGc();
                long start = System.nanoTime();
                cycle(pool, cycles);
                long nanos = System.nanoTime() - start;
                long after = usedAfterGc();
                System.out.printf("GROWTH pool=%s cycles=%d heap_before=%d heap_after=%d ns_per_cycle=%d%n",
                    name, cycles, before, after, nanos / cycles);
            }
        }
        System.exit(0);
    }

    private static void cycle(Pool pool, long n) throws Exception {
        for (long i = 0; i < n; i++) {
            try (Connection c = pool.getConnection()) {
                if (c == null) {
                    throw new IllegalStateException();
                }
            }
        }
    }

    private static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        // Several rounds: weak references cleared by one GC are only reclaimed by the next.
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
