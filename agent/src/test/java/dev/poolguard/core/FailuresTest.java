package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FailuresTest {

    @ParameterizedTest
    @ValueSource(strings = {"08000", "08001", "08003", "08006", "08S01", "57P01", "57P02", "57P03", "57P04", "57P05",
        "25P03"})
    void connectionErrors(String state) {
        assertTrue(Failures.connectionError(state, 0));
    }

    @ParameterizedTest
    @ValueSource(strings = {"57P06", "57P0", "57014", "25P02", "23505", "42P01", "HY000", "S1000"})
    void otherErrors(String state) {
        assertFalse(Failures.connectionError(state, 0));
    }

    @Test
    void mysqlIdleDisconnectIsAConnectionErrorWhateverItsState() {
        assertTrue(Failures.connectionError("HY000", 4031));
        assertTrue(Failures.connectionError(null, 4031));
        assertFalse(Failures.connectionError(null, 1062));
    }

    @Test
    void theCauseNamesTheServerLimitTheIdleTimeAndTheLease() {
        long idle = TimeUnit.MINUTES.toNanos(31);
        assertEquals("the server's idle_session_timeout ended the session; idle 31m before this call, and server and"
                + " network idle limits are commonly 5-15 min; this lease has lasted 31m: borrow a connection per unit"
                + " of work instead of holding one across slow work",
            Failures.cause("57P05", 0, idle, idle));
    }

    @Test
    void aShortIdleAndNoLeaseLeaveOnlyTheError() {
        assertEquals("the server's wait_timeout ended the idle session", Failures.cause("HY000", 4031, 5_000_000, -1));
        assertTrue(Failures.cause("08006", 0, -1, -1).startsWith("the network connection to the server was lost"));
    }

    @Test
    void durationsReadLikeAPersonWritesThem() {
        assertEquals("850ms", Failures.human(TimeUnit.MILLISECONDS.toNanos(850)));
        assertEquals("9999ms", Failures.human(TimeUnit.MILLISECONDS.toNanos(9999)));
        assertEquals("42s", Failures.human(TimeUnit.SECONDS.toNanos(42)));
        assertEquals("15m", Failures.human(TimeUnit.MINUTES.toNanos(15)));
    }

    @Test
    void oneExhaustionDumpPerInterval() {
        PoolInfo pool = new PoolInfo(null, "p", null);
        long interval = TimeUnit.SECONDS.toNanos(60);
        long t0 = 123_456_789L;
        assertTrue(pool.mayDump(t0, interval));
        assertFalse(pool.mayDump(t0 + interval - 1, interval));
        assertTrue(pool.mayDump(t0 + interval, interval));
        assertFalse(pool.mayDump(t0 + interval + 1, interval));
    }
}
