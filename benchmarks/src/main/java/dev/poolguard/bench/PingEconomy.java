package dev.poolguard.bench;

import dev.poolguard.testapp.Pool;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What checking costs in validations, counted by the agent itself (its MBeans), in a JVM that has the agent. For each
 * pool at its defaults: under steady load (4 threads, each connection reused within a few ms) the agent's pings per
 * borrow; then after 1.2 s of idleness, 4 connections borrowed at once: the validations they got, the agent's pings
 * and the pool's own. Prints one {@code PINGS} line per pool for {@link Run}.
 */
public final class PingEconomy {

    private static final int THREADS = 4;
    private static final long IDLE_MS = 1200;

    private PingEconomy() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        long steadyMs = Long.parseLong(args[1]);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Set<ObjectName> seen = new HashSet<>();
        for (String name : args[2].split(",")) {
            try (Pool pool = Pool.open(name, url)) {
                pool.getConnection().close();
                ObjectName bean = newBean(server, name, seen);
                long[] before = counters(server, bean);
                steady(pool, steadyMs);
                long[] afterSteady = counters(server, bean);
                Thread.sleep(IDLE_MS);
                borrowAtOnce(pool, THREADS);
                long[] afterIdle = counters(server, bean);
                System.out.printf("PINGS pool=%s steady_borrows=%d steady_pings=%d steady_pool_validations=%d"
                        + " idle_borrowed=%d idle_pings=%d idle_pool_validations=%d%n", name,
                    afterSteady[0] - before[0], afterSteady[1] - before[1], afterSteady[2] - before[2], THREADS,
                    afterIdle[1] - afterSteady[1], afterIdle[2] - afterSteady[2]);
            }
        }
        System.exit(0);
    }

    /** The MBean the agent registered for the pool just opened (registration runs on its own thread). */
    private static ObjectName newBean(MBeanServer server, String adapter, Set<ObjectName> seen) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < end) {
            for (ObjectName n : server.queryNames(new ObjectName("dev.poolguard:type=Pool,*"), null)) {
                try {
                    if (adapter.equals(server.getAttribute(n, "Adapter")) && seen.add(n)) {
                        return n;
                    }
                } catch (InstanceNotFoundException gone) {
                    // a pool closed earlier in this run: the agent unregisters its MBean on its own thread
                }
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no PoolGuard MBean for " + adapter + ": is the agent attached?");
    }

    /** {borrows, the agent's pings, the pool's own validations}. */
    private static long[] counters(MBeanServer server, ObjectName bean) throws Exception {
        return new long[] {(Long) server.getAttribute(bean, "Borrows"), (Long) server.getAttribute(bean, "Pings"),
            (Long) server.getAttribute(bean, "PoolValidations")};
    }

    private static void steady(Pool pool, long millis) throws Exception {
        List<Thread> threads = new ArrayList<>();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        Throwable[] failure = new Throwable[1];
        for (int i = 0; i < THREADS; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                             ResultSet r = s.executeQuery("SELECT 1")) {
                            r.next();
                        }
                        Thread.sleep(2);
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw new IllegalStateException(failure[0]);
        }
    }

    /** {@code n} threads each hold a connection until all have one: {@code n} distinct connections. */
    private static void borrowAtOnce(Pool pool, int n) throws Exception {
        CountDownLatch all = new CountDownLatch(n);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> {
                try (Connection c = pool.getConnection()) {
                    all.countDown();
                    all.await();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
    }
}
