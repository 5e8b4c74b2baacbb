package dev.poolguard.bench;

import dev.poolguard.testapp.Pool;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.sql.Connection;

/**
 * Whether many borrow cycles leave anything behind: for each pool at its defaults, heap in use after a full GC before
 * and after up to {@code cycles} borrow-and-return cycles on one thread, or as many as fit in {@code seconds} (pools
 * that ask the database at every borrow manage far fewer). Prints one {@code GROWTH} line per pool for {@link Run}.
 */
public final class Growth {

    private Growth() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long maxCycles = Long.parseLong(args[1]);
        long seconds = Long.parseLong(args[2]);
        for (String name : args[3].split(",")) {
            try (Pool pool = Pool.open(name, url)) {
                cycle(pool, Math.min(maxCycles, 10_000), Long.MAX_VALUE); // warm up: classes, JIT, the pool itself
                long before = usedAfterGc();
                long start = System.nanoTime();
                long cycles = cycle(pool, maxCycles, start + seconds * 1_000_000_000L);
                long nanos = System.nanoTime() - start;
                long after = usedAfterGc();
                System.out.printf("GROWTH pool=%s cycles=%d heap_before=%d heap_after=%d ns_per_cycle=%d%n",
                    name, cycles, before, after, nanos / cycles);
            }
        }
        System.exit(0);
    }

    /** @return the cycles done: {@code n}, or fewer when {@code deadline} came first */
    private static long cycle(Pool pool, long n, long deadline) throws Exception {
        for (long i = 0; i < n; i++) {
            try (Connection c = pool.getConnection()) {
                if (c == null) {
                    throw new IllegalStateException();
                }
            }
            if ((i & 1023) == 0 && System.nanoTime() - deadline > 0) {
                return i + 1;
            }
        }
        return n;
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
