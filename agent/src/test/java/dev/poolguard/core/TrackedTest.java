package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Lease bookkeeping: the state word that makes hold.long and hold.returned exactly-once. */
class TrackedTest {

    private final Tracked t = new Tracked(0, Long.MAX_VALUE, 0, false);

    @Test
    void aLeaseIsOpenFromBorrowToReturn() {
        assertFalse(Tracked.leased(t.state()));
        Throwable site = new Throwable();
        t.beginLease(100, Thread.currentThread(), site);
        assertTrue(Tracked.leased(t.state()));
        assertSame(site, t.leaseSite());
        assertEquals(100, t.leaseNanos());
        assertEquals(400 << 1, t.endLease(500));
        assertFalse(Tracked.leased(t.state()));
        assertEquals(-1, t.endLease(600), "a second return ends nothing");
    }

    @Test
    void aWarnedLeaseReportsItOnReturn() {
        t.beginLease(0, Thread.currentThread(), null);
        long s = t.state();
        assertTrue(t.markWarned(s));
        assertFalse(t.markWarned(s), "warned once only");
        assertEquals(1, t.endLease(10) & 1);
    }

    @Test
    void theWatchdogCannotWarnAboutALeaseThatEnded() {
        t.beginLease(0, Thread.currentThread(), null);
        long seen = t.state();
        t.endLease(1);
        t.beginLease(2, Thread.currentThread(), null); // the next borrower
        assertFalse(t.markWarned(seen));
        assertEquals(0, t.endLease(3) & 1, "the new lease was not marked");
    }

    @Test
    void lifetimeIsTheMaximumLessAtMostTwoAndAHalfPercent() {
        long saved = Settings.maxLifetimeNanos;
        try {
            Settings.maxLifetimeNanos = 40_000;
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < 10_000; i++) {
                long l = Settings.lifetimeNanos();
                min = Math.min(min, l);
                max = Math.max(max, l);
            }
            assertTrue(min >= 39_000, "never more than 2.5 % early: " + min);
            assertTrue(max <= 40_000, "never late: " + max);
            assertTrue(max - min > 500, "actually spread: " + min + ".." + max);
            Settings.maxLifetimeNanos = 0;
            assertEquals(Long.MAX_VALUE, Settings.lifetimeNanos(), "0 turns recycling off");
        } finally {
            Settings.maxLifetimeNanos = saved;
        }
    }

    @Test
    void aValidationIsGuardedOnceAndAbortedOnlyWhileItRuns() {
        assertTrue(t.armValidation(50));
        assertFalse(t.armValidation(60), "a nested validation is not guarded twice");
        assertTrue(t.abortValidation(50));
        assertTrue(t.disarmValidation(), "the validation learns it was aborted");
        assertTrue(t.armValidation(70));
        assertFalse(t.disarmValidation());
        assertFalse(t.abortValidation(70), "too late: the validation had ended");
    }
}
