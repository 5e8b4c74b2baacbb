package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which answers of a driver's {@code isValid} the agent acts on. A fresh connection is alive, so its answer tells
 * whether the driver can be believed: it is asked while that is not known, and never evicted for its answer. An
 * idle connection that says no is evicted only while the driver is believed, a few per borrow at most, and a pool
 * whose replacements pass the ceiling is left alone for a while.
 */
class ValidationTrustTest {

    private final PoolAdapter adapter = new PoolAdapter("trust") {
        @Override
        protected void instrument(Weaving weaving) {
        }
    };
    private final Object pool = new Object();
    private boolean preping;
    private boolean jmx;
    private long idle;

    @BeforeEach
    void settings() {
        preping = Settings.preping;
        jmx = Settings.jmx;
        idle = Settings.prepingIdleNanos;
        Settings.preping = true;
        Settings.jmx = false;
        Settings.prepingIdleNanos = TimeUnit.MILLISECONDS.toNanos(20);
    }

    @AfterEach
    void restore() {
        Settings.preping = preping;
        Settings.jmx = jmx;
        Settings.prepingIdleNanos = idle;
    }

    private boolean borrow(Object physical) throws Throwable {
        BorrowContext context = BorrowContext.enter(pool);
        try {
            return Connections.checkOut(adapter, context, pool, physical);
        } finally {
            context.exit();
        }
    }

    private Connection opened(StandInConnection.Validity validity) {
        Connection c = StandInConnection.validating(validity);
        Connections.opened(adapter, c);
        return c;
    }

    private static void idle() throws InterruptedException {
        Thread.sleep(40);
    }

    @Test
    void aDriverThatSaysNoToFreshConnectionsIsNeverBelievedAndEvictsNothing() throws Throwable {
        AtomicInteger asked = new AtomicInteger();
        StandInConnection.Validity liar = () -> {
            asked.incrementAndGet();
            return false;
        };
        Connection first = opened(liar);
        Connection second = opened(liar);
        assertTrue(borrow(first), "a fresh connection is handed out whatever it answers");
        assertTrue(borrow(second));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(PoolInfo.DISTRUSTED, info.trust);
        assertEquals(2, asked.get());
        Connections.checkIn(first);
        idle();
        assertTrue(borrow(first), "not pinged any more: the pool runs as without the agent");
        assertEquals(2, asked.get());
        assertEquals(0, info.getEvictedDead());
    }

    /** A pool of one connection: it says no when fresh, then no again once idle. Nothing is evicted either time. */
    @Test
    void afterAFreshConnectionsNoAnIdleNoIsNotBelievedEither() throws Throwable {
        Connection only = opened(() -> false);
        assertTrue(borrow(only));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(PoolInfo.TRUST_UNKNOWN, info.trust);
        Connections.checkIn(only);
        idle();
        assertTrue(borrow(only), "an idle no after a fresh no is not believed");
        assertEquals(PoolInfo.DISTRUSTED, info.trust);
        assertEquals(0, info.getEvictedDead());
    }

    @Test
    void aDriverThatCannotValidateIsNotBelievedEither() throws Throwable {
        Connection c = opened(() -> {
            throw new SQLFeatureNotSupportedException("isValid");
        });
        assertTrue(borrow(c));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(PoolInfo.DISTRUSTED, info.trust);
        assertEquals(0, info.getEvictedDead());
    }

    @Test
    void aBelievedDriverGetsItsDeadIdleConnectionEvictedAndOnlyThat() throws Throwable {
        boolean[] alive = {true};
        Connection c = opened(() -> alive[0]);
        Connection healthy = opened(() -> true);
        assertTrue(borrow(c));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(PoolInfo.TRUSTED, info.trust);
        Connections.checkIn(c);
        idle();
        alive[0] = false;
        assertFalse(borrow(c), "idle and answering no: evicted");
        assertTrue(borrow(healthy), "idle and answering yes: handed out");
        assertEquals(1, info.getEvictedDead());
        assertEquals(1, info.getDeadFound());
    }

    @Test
    void anSqlExceptionFromAnIdleConnectionCountsAsDead() throws Throwable {
        boolean[] fail = {false};
        Connection c = opened(() -> {
            if (fail[0]) {
                throw new SQLException("connection reset", "08006");
            }
            return true;
        });
        assertTrue(borrow(c));
        Connections.checkIn(c);
        idle();
        fail[0] = true;
        assertFalse(borrow(c));
    }

    /** A sweep found it dead while idle and aborted it, and the driver closed it: its next borrow still evicts it. */
    @Test
    void aConnectionRetiredWhileIdleIsEvictedEvenOnceItsDriverClosedIt() throws Throwable {
        Connection c = opened(() -> true);
        assertTrue(borrow(c));
        Connections.checkIn(c);
        Connections.find(c).retired = true;
        Connections.closed(c);
        assertFalse(borrow(c));
    }

    /** It failed while leased and its pool discards it at the driver's close, without a return: the lease ends. */
    @Test
    void theLeaseOfARetiredConnectionEndsWhenItIsClosed() throws Throwable {
        Connection c = opened(() -> true);
        assertTrue(borrow(c));
        PoolInfo info = Connections.poolInfo(adapter, pool);
        assertEquals(1, info.getActiveLeases());
        Connections.find(c).retired = true; // as connection.failed does
        Connections.closed(c);
        assertEquals(0, info.getActiveLeases());
        assertFalse(borrow(c), "still known, still retired");
    }

    @Test
    void oneBorrowReplacesAtMostAFewConnections() throws Throwable {
        Connection calibrated = opened(() -> true);
        assertTrue(borrow(calibrated));
        int n = Connections.MAX_REPLACED_PER_BORROW + 3;
        Connection[] dead = new Connection[n];
        for (int i = 0; i < n; i++) {
            dead[i] = opened(() -> false);
        }
        idle();
        BorrowContext context = BorrowContext.enter(pool);
        try {
            for (int i = 0; i < Connections.MAX_REPLACED_PER_BORROW; i++) {
                assertFalse(Connections.checkOut(adapter, context, pool, dead[i]), "replaced " + i);
            }
            assertTrue(Connections.checkOut(adapter, context, pool, dead[Connections.MAX_REPLACED_PER_BORROW]),
                "past the limit a borrow hands out what the pool gives");
        } finally {
            context.exit();
        }
        assertFalse(borrow(dead[n - 1]), "the next borrow starts counting again");
    }

    @Test
    void pastTheCeilingThePoolIsNotPingedForAPause() {
        PoolInfo info = new PoolInfo(adapter, "ceiling", pool);
        long now = System.nanoTime();
        for (int i = 0; i < PoolInfo.MAX_REPLACEMENTS; i++) {
            info.replaced(now);
        }
        assertTrue(info.pinging(now));
        info.replaced(now);
        assertFalse(info.pinging(now));
        assertFalse(info.pinging(now + PoolInfo.PAUSE_NANOS - 1));
        assertTrue(info.pinging(now + PoolInfo.PAUSE_NANOS));
        info.replaced(now + PoolInfo.WINDOW_NANOS + PoolInfo.PAUSE_NANOS);
        assertTrue(info.pinging(now + PoolInfo.WINDOW_NANOS + PoolInfo.PAUSE_NANOS), "a new window starts at zero");
    }

    @Test
    void replacementsSpreadOverWindowsNeverPause() {
        PoolInfo info = new PoolInfo(adapter, "spread", pool);
        long now = System.nanoTime();
        for (int w = 0; w < 5; w++) {
            for (int i = 0; i < PoolInfo.MAX_REPLACEMENTS; i++) {
                info.replaced(now + w * PoolInfo.WINDOW_NANOS);
            }
        }
        assertTrue(info.pinging(now + 5 * PoolInfo.WINDOW_NANOS));
    }
}
