package dev.poolguard.core;

import java.lang.management.ManagementFactory;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * One MBean per pool, {@code dev.poolguard:type=Pool,name=<pool-name>}. Registration runs on the watchdog thread,
 * never on the application's: the first call creates the platform MBean server, which takes tens of milliseconds
 * and must not land on a borrow. An MBean goes when the application dropped its pool.
 */
final class Jmx {

    private static final ConcurrentLinkedQueue<PoolInfo> PENDING = new ConcurrentLinkedQueue<>();
    /** Touched by the watchdog thread only. */
    private static final Map<PoolInfo, ObjectName> REGISTERED = new LinkedHashMap<>();

    private Jmx() {
    }

    static void register(PoolInfo pool) {
        if (Settings.jmx) {
            PENDING.add(pool);
            Watchdog.wake();
        }
    }

    /** On the watchdog thread: registers new pools, unregisters those whose pool was collected. */
    static void tick() throws Exception {
        if (PENDING.isEmpty() && REGISTERED.isEmpty()) {
            return;
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        for (PoolInfo p; (p = PENDING.poll()) != null; ) {
            REGISTERED.put(p, registerUnique(server, p));
        }
        for (Iterator<Map.Entry<PoolInfo, ObjectName>> it = REGISTERED.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PoolInfo, ObjectName> e = it.next();
            if (e.getKey().pool.get() == null) {
                it.remove();
                if (server.isRegistered(e.getValue())) {
                    server.unregisterMBean(e.getValue());
                }
            }
        }
    }

    /** Two pools with one name (two web apps each with its {@code HikariPool-1}) get {@code #2}, {@code #3}... */
    private static ObjectName registerUnique(MBeanServer server, PoolInfo p) throws Exception {
        for (int n = 1; ; n++) {
            ObjectName name = objectName(n == 1 ? p.name : p.name + "#" + n);
            try {
                server.registerMBean(p, name);
                return name;
            } catch (InstanceAlreadyExistsException taken) {
                // try the next number
            }
        }
    }

    static ObjectName objectName(String poolName) throws Exception {
        boolean plain = poolName.chars().noneMatch(c -> ",=:\"*?\n\\".indexOf(c) >= 0);
        return new ObjectName("dev.poolguard:type=Pool,name=" + (plain ? poolName : ObjectName.quote(poolName)));
    }
}
