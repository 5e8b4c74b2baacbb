package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The idle limit the deaths and survivals of a pool's idle connections bracket, and when none is claimed. */
class IdleLimitTest {

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void deathsAllAfterLongerIdleThanEverySurvivalBracketTheLimit() {
        IdleLimit limit = new IdleLimit();
        assertNull(limit.alive("p", ms(1000)));
        assertNull(limit.dead("p", ms(4100), true));
        assertNull(limit.dead("p", ms(4000), true));
        String line = limit.dead("p", ms(4300), true);
        assertNotNull(line);
        assertTrue(line.startsWith("p dead-after=1000ms..4000ms deaths=3 cause=middlebox"), line);
        assertTrue(line.contains("advice=\"POOLGUARD_KEEPALIVE=750ms, or the pool's own keepalive or max lifetime"
            + " below 1s\""), line);
        assertEquals("1000ms..4000ms", limit.verdict());
        assertNull(limit.dead("p", ms(5000), true), "said once");
    }

    @Test
    void sessionsTheServerClosedPointAtItsIdleTimer() {
        IdleLimit limit = new IdleLimit();
        limit.alive("p", ms(700));
        limit.dead("p", ms(2100), false);
        limit.dead("p", ms(2200), false);
        String line = limit.dead("p", ms(2000), false);
        assertTrue(line.contains("dead-after=700ms..2000ms") && line.contains("cause=server idle timer"), line);
    }

    @Test
    void deathsThatDoNotFollowIdleTimeClaimNoLimit() {
        IdleLimit limit = new IdleLimit();
        limit.alive("p", ms(6000)); // survived six seconds, yet these died after less: a restart, not an idle limit
        assertNull(limit.dead("p", ms(3000), false));
        assertNull(limit.dead("p", ms(3500), false));
        assertNull(limit.dead("p", ms(4000), false));
        assertEquals("none", limit.verdict());
    }

    @Test
    void aSurvivalAfterTheDeathsTakesTheClaimBack() {
        IdleLimit limit = new IdleLimit();
        limit.dead("p", ms(3000), false);
        limit.dead("p", ms(3100), false);
        limit.dead("p", ms(3200), false); // no idle connection seen alive yet: nothing to bracket with
        assertEquals("unknown", limit.verdict());
        assertNull(limit.alive("p", ms(5000)), "a survival longer than a death: the deaths were not about idle time");
        assertEquals("none", limit.verdict());
    }

    @Test
    void aLowerBoundThatArrivesLaterCompletesTheClaim() {
        IdleLimit limit = new IdleLimit();
        limit.dead("p", ms(3000), true);
        limit.dead("p", ms(3100), true);
        limit.dead("p", ms(3200), true);
        String line = limit.alive("p", ms(1500));
        assertNotNull(line);
        assertTrue(line.contains("dead-after=1500ms..3000ms"), line);
    }

    @Test
    void keepaliveAdviceIsSafelyBelowAndReadable() {
        assertEquals(660_000, IdleLimit.below(900_000)); // Docker swarm's ipvs, 900 s: 11m
        assertEquals(21_000, IdleLimit.below(28_800));
        assertEquals(1500, IdleLimit.below(2000));
        assertEquals(520, IdleLimit.below(700));
    }
}
