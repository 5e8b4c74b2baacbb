package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Leases through check-out and check-in. A pool's MBean figures follow them: counted at borrow, gauged when read. And
 * what the return hook learns: a pool may run its return path for leases it took itself (c3p0 does at every
 * check-in), so a check-in without the app's lease must be told apart, and from the agent's own eviction.
 */
class ConnectionsTest {

    private final PoolAdapter adapter = new PoolAdapter("leases") {
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

    @Test
    void gaugesFollowLeasesAndOpenConnections() throws Throwable {
        AtomicBoolean firstClosed = new AtomicBoolean();
        Connection first = StandInConnection.closedWhen(firstClosed);
        Connection second = StandInConnection.open();
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

        assertEquals(Connections.POOL, Connections.checkIn(first));
        assertEquals(1, info.getActiveLeases());
        assertTrue(info.getOldestLeaseAgeMillis() < info.getOldestConnectionAgeMillis());
        firstClosed.set(true); // the oldest is closed by its pool: the next oldest counts
        long secondAge = info.getOldestConnectionAgeMillis();
        assertTrue(secondAge >= 30 && secondAge < 80 + secondAge - 50, () -> secondAge + " ms");

        assertEquals(Connections.POOL, Connections.checkIn(second));
        assertEquals(0, info.getActiveLeases());
        assertEquals(0, info.getOldestLeaseAgeMillis());
        Connections.closed(first);
        Connections.closed(second);
        assertEquals(0, info.getOldestConnectionAgeMillis());
        assertEquals(2, info.getBorrows(), "counters outlive the connections");
    }

    private boolean borrow(Object physical) throws Throwable {
        BorrowContext context = BorrowContext.enter(pool);
        try {
            return Connections.checkOut(adapter, context, pool, physical);
        } finally {
            context.exit();
        }
    }

    @Test
    void theAppsLeaseEndsOnceAndLaterClosesFindNoLease() throws Throwable {
        Object physical = StandInConnection.open();
        Connections.opened(adapter, physical);
        assertTrue(borrow(physical));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(1, info.getActiveLeases());

        assertEquals(Connections.POOL, Connections.checkIn(physical));
        assertEquals(0, info.getActiveLeases());
        assertEquals(Connections.NOT_LEASED, Connections.checkIn(physical), "the pool closing a lease of its own");
        assertEquals(0, info.getActiveLeases());
        assertTrue(borrow(physical), "still pooled and lent again");
        assertEquals(Connections.POOL, Connections.checkIn(physical));
        Connections.closed(physical);
    }

    @Test
    void aConnectionTheAgentRetiredIsRetiredWithOrWithoutALease() throws Throwable {
        Object leased = StandInConnection.open();
        Connections.opened(adapter, leased);
        assertTrue(borrow(leased));
        Connections.find(leased).retired = true; // as connection.failed does during a lease
        assertEquals(Connections.RETIRE, Connections.checkIn(leased));

        Object evicted = StandInConnection.open();
        Connections.opened(adapter, evicted);
        Connections.find(evicted).retired = true; // as a failed pre-ping does before the borrow evicts it
        assertTrue(!borrow(evicted), "the borrow hook evicts it");
        assertEquals(Connections.NOT_LEASED_RETIRED, Connections.checkIn(evicted), "the eviction's own close");
        Connections.closed(leased);
        Connections.closed(evicted);
    }

    @Test
    void aConnectionTheAgentNeverSawIsUntracked() throws Throwable {
        assertEquals(Connections.UNTRACKED, Connections.checkIn(new Object()));
    }

    /**
     * The hooks' answers: {@code returning} as before for every pool (a connection the agent evicts with no lease is
     * not retired a second time); {@code returningLease}, for a pool that must be told, retires it, and during the
     * pool's own work on a connection does not look that one up.
     */
    @Test
    void theHooksAnswerForAPoolThatClosesLeasesOfItsOwn() throws Throwable {
        Field active = Agent.class.getDeclaredField("active");
        active.setAccessible(true);
        Object before = active.get(null);
        active.set(null, new PoolAdapter[] {adapter});
        try {
            Object physical = StandInConnection.open();
            Object pooled = new Object(); // the pool's own record of it
            Connections.opened(adapter, physical);
            assertTrue(borrow(physical));
            assertEquals(Hooks.POOL, Hooks.returningLease("leases", physical, pooled));
            assertEquals(Hooks.NOT_LEASED, Hooks.returningLease("leases", physical, pooled));
            assertTrue(!Hooks.returning("leases", physical));

            // During the pool's own work on a connection (c3p0's check-in) its closes of that one end no lease; a
            // lease of another connection, taken and closed by code running inside the work, still ends.
            Object other = StandInConnection.open();
            Object otherPooled = new Object();
            Connections.opened(adapter, other);
            assertTrue(borrow(physical));
            assertTrue(borrow(other));
            Object marked = Hooks.poolWorkEnter(pooled);
            try {
                assertEquals(null, marked, "no work around it");
                assertEquals(Hooks.NOT_LEASED, Hooks.returningLease("leases", physical, pooled),
                    "the pool's own close");
                Object outer = Hooks.poolWorkEnter(otherPooled);
                assertSame(pooled, outer, "nested work hands back the outer mark");
                Hooks.poolWorkExit(outer);
                assertEquals(Hooks.NOT_LEASED, Hooks.returningLease("leases", physical, pooled),
                    "the outer mark is back");
                assertEquals(Hooks.POOL, Hooks.returningLease("leases", other, otherPooled),
                    "another connection's lease ends inside the work");
            } finally {
                Hooks.poolWorkExit(marked);
            }
            assertEquals(Hooks.POOL, Hooks.returningLease("leases", physical, pooled), "after it the app's lease ends");

            // The mark is this thread's: another thread's close of the same connection ends its lease.
            assertTrue(borrow(physical));
            marked = Hooks.poolWorkEnter(pooled);
            try {
                AtomicInteger elsewhere = new AtomicInteger(Integer.MIN_VALUE);
                Thread thread = new Thread(() -> elsewhere.set(Hooks.returningLease("leases", physical, pooled)));
                thread.start();
                thread.join();
                assertEquals(Hooks.POOL, elsewhere.get(), "another thread's close");
            } finally {
                Hooks.poolWorkExit(marked);
            }

            Connections.find(physical).retired = true;
            assertEquals(Hooks.RETIRE, Hooks.returningLease("leases", physical, pooled));
            marked = Hooks.poolWorkEnter(pooled);
            try {
                assertEquals(Hooks.NOT_LEASED, Hooks.returningLease("leases", physical, pooled),
                    "inside the pool's own work even a retired one: evicted at its next borrow instead");
            } finally {
                Hooks.poolWorkExit(marked);
            }
            assertTrue(!Hooks.returning("leases", physical));

            Object failed = StandInConnection.open();
            Connections.opened(adapter, failed);
            assertTrue(borrow(failed));
            Connections.find(failed).retired = true; // failed during the lease
            assertTrue(Hooks.returning("leases", failed),
                "a lease ends on a connection that failed: every pool retires it");

            assertEquals(Hooks.POOL, Hooks.returningLease("leases", new Object(), new Object()),
                "unknown: the pool's own checks");
            assertEquals(Hooks.POOL, Hooks.returningLease("no such adapter", physical, pooled),
                "no adapter: as without the agent");
            adapter.disable(PoolAdapter.Hook.RETURN);
            assertEquals(Hooks.POOL, Hooks.returningLease("leases", physical, pooled),
                "hook off: as without the agent");
            Connections.closed(physical);
            Connections.closed(other);
            Connections.closed(failed);
        } finally {
            active.set(null, before);
        }
    }
}
