package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The idle limit the deaths and survivals of a pool's idle connections bracket, and when none is claimed. Times are
 * on one clock: {@code at(s)} is s seconds in.
 */
class IdleLimitTest {

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }

    private static long at(long millis) {
        return ms(1_000_000 + millis);
    }

    /** A middlebox dropping what idles 2 s: two quiet spells of 4 s, each ending in deaths. */
    @Test
    void deathsThatRecurAfterLongerIdleThanEverySurvivalBracketTheLimit() {
        IdleLimit limit = new IdleLimit();
        assertNull(limit.alive("p", ms(1000)));
        assertNull(limit.dead("p", ms(4100), true, at(10_000)));
        assertNull(limit.dead("p", ms(4000), true, at(10_100)));
        assertNull(limit.dead("p", ms(4300), true, at(10_200)), "one moment's deaths: a restart looks the same");
        assertEquals("unknown", limit.verdict());
        String line = limit.dead("p", ms(4050), true, at(15_000)); // good at 10.95 s, after the first death: again
        assertNotNull(line);
        assertTrue(line.startsWith("p dead-after=1000ms..4000ms deaths=4 cause=middlebox"), line);
        assertTrue(line.contains("advice=\"POOLGUARD_KEEPALIVE=750ms, or the pool's own keepalive or max lifetime"
            + " below 1s\""), line);
        assertEquals("1000ms..4000ms", limit.verdict());
        assertNull(limit.dead("p", ms(5000), true, at(20_000)), "said once");
    }

    @Test
    void sessionsTheServerClosedPointAtItsIdleTimer() {
        IdleLimit limit = new IdleLimit();
        limit.alive("p", ms(700));
        limit.dead("p", ms(2100), false, at(5000));
        limit.dead("p", ms(2200), false, at(5010));
        String line = limit.dead("p", ms(2000), false, at(8000));
        assertTrue(line.contains("dead-after=700ms..2000ms") && line.contains("cause=server idle timer"), line);
    }

    /** Every session killed at one moment after a quiet spell: the same pattern, once, is no limit. */
    @Test
    void aRestartAfterAQuietSpellIsNotTakenForALimit() {
        IdleLimit limit = new IdleLimit();
        limit.alive("p", ms(1000));
        for (int i = 0; i < 10; i++) {
            assertNull(limit.dead("p", ms(3000 + 100 * i), false, at(20_000 + 10 * i)));
        }
        assertEquals("unknown", limit.verdict());
    }

    @Test
    void deathsThatDoNotFollowIdleTimeClaimNoLimit() {
        IdleLimit limit = new IdleLimit();
        limit.alive("p", ms(6000)); // survived six seconds, yet these died after less
        assertNull(limit.dead("p", ms(3000), false, at(10_000)));
        assertNull(limit.dead("p", ms(3500), false, at(20_000)));
        assertNull(limit.dead("p", ms(4000), false, at(30_000)));
        assertEquals("none", limit.verdict());
    }

    @Test
    void aSurvivalAfterTheDeathsTakesTheClaimBack() {
        IdleLimit limit = new IdleLimit();
        limit.dead("p", ms(3000), false, at(10_000));
        limit.dead("p", ms(3100), false, at(20_000));
        limit.dead("p", ms(3200), false, at(30_000)); // no idle connection seen alive yet: nothing to bracket with
        assertEquals("unknown", limit.verdict());
        assertNull(limit.alive("p", ms(5000)), "a survival longer than a death: the deaths were not about idle time");
        assertEquals("none", limit.verdict());
    }

    @Test
    void aLowerBoundThatArrivesLaterCompletesTheClaim() {
        IdleLimit limit = new IdleLimit();
        limit.dead("p", ms(3000), true, at(10_000));
        limit.dead("p", ms(3100), true, at(20_000));
        limit.dead("p", ms(3200), true, at(30_000));
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
