package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A pool's MBean figures follow its leases and connections: counted at borrow, gauged when read. */
class PoolInfoTest {

    private final PoolAdapter adapter = new PoolAdapter("gauges") {
        @Override
        protected void instrument(Weaving weaving) {
        }
    };
    private final Object pool = new Object();
    private boolean preping;
    private boolean jmx;

    @BeforeEach
    void quiet() {
        preping = Settings.preping;
        jmx = Settings.jmx;
        Settings.preping = false;
        Settings.jmx = false;
    }

    @AfterEach
    void restore() {
        Settings.preping = preping;
        Settings.jmx = jmx;
    }

    /** A stand-in physical connection that only answers {@code isClosed}. */
    private static Connection connection(AtomicBoolean closed) {
        return (Connection) Proxy.newProxyInstance(PoolInfoTest.class.getClassLoader(), new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
                if (method.getName().equals("isClosed")) {
                    return closed.get();
                }
                if (method.getName().equals("hashCode")) {
                    return System.identityHashCode(proxy);
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    void gaugesFollowLeasesAndOpenConnections() throws Throwable {
        AtomicBoolean firstClosed = new AtomicBoolean();
        Connection first = connection(firstClosed);
        Connection second = connection(new AtomicBoolean());
        Connections.opened(adapter, first);
        Thread.sleep(50);
        Connections.opened(adapter, second);
        BorrowContext context = BorrowContext.enter(pool);
        try {
            assertTrue(Connections.checkOut(adapter, context, pool, first));
            Thread.sleep(30);
            assertTrue(Connections.checkOut(adapter, context, pool, second));
        } finally {
            context.exit();
        }
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(2, info.getBorrows());
        assertEquals(2, info.getActiveLeases());
        assertTrue(info.getOldestLeaseAgeMillis() >= 30, () -> info.getOldestLeaseAgeMillis() + " ms");
        assertTrue(info.getOldestConnectionAgeMillis() >= 80, () -> info.getOldestConnectionAgeMillis() + " ms");

        assertTrue(!Connections.checkIn(first));
        assertEquals(1, info.getActiveLeases());
        assertTrue(info.getOldestLeaseAgeMillis() < info.getOldestConnectionAgeMillis());
        firstClosed.set(true); // the oldest is closed by its pool: the next oldest counts
        long secondAge = info.getOldestConnectionAgeMillis();
        assertTrue(secondAge >= 30 && secondAge < 80 + secondAge - 50, () -> secondAge + " ms");

        assertTrue(!Connections.checkIn(second));
        assertEquals(0, info.getActiveLeases());
        assertEquals(0, info.getOldestLeaseAgeMillis());
        Connections.closed(first);
        Connections.closed(second);
        assertEquals(0, info.getOldestConnectionAgeMillis());
        assertEquals(2, info.getBorrows(), "counters outlive the connections");
    }
}
