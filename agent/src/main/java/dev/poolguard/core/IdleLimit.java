package dev.poolguard.core;

/**
 * What a pool's connections tell about an idle limit on the way to the server (a middlebox's idle timer, the
 * server's {@code wait_timeout} or {@code idle_session_timeout}): the longest idle any connection survived and the
 * shortest idle after which one was found dead. The limit lies between the two when every death came after a longer
 * idle than every survival, there were several, and they recurred: a connection known good after the first death
 * died again after idling. A restart or a mass kill ends every connection at one moment, which from the client looks
 * like an idle limit once but not twice; a death after a shorter idle than a survival rules a limit out for good.
 * Then nothing is claimed. Observations come from validations of idle connections only: nothing on a busy pool.
 */
final class IdleLimit {

    /** Deaths needed before a limit is claimed. */
    static final int DEATHS = 3;

    private long longestAlive;
    private long shortestDead = Long.MAX_VALUE;
    private int deaths;
    private int silentDeaths;
    /** When the first death was found; whether a connection good after it died again. */
    private long firstDeathAt;
    private boolean recurred;
    private boolean contradicted;
    private boolean reported;

    /** A connection idle {@code idleNanos} answered. @return the {@code idle.limit} line to log, or null */
    synchronized String alive(String pool, long idleNanos) {
        if (idleNanos > longestAlive) {
            longestAlive = idleNanos;
        }
        if (idleNanos >= shortestDead) {
            contradicted = true;
        }
        return report(pool);
    }

    /**
     * A connection idle {@code idleNanos} was found dead; {@code silent} when it never answered (dropped on the way)
     * rather than said it was closed. @return the {@code idle.limit} line to log, or null
     */
    synchronized String dead(String pool, long idleNanos, boolean silent, long now) {
        if (idleNanos < 0) {
            return null;
        }
        if (deaths == 0) {
            firstDeathAt = now;
        } else if (now - idleNanos - firstDeathAt > 0) {
            recurred = true; // last known good after the first death was found, and dead again
        }
        deaths++;
        silentDeaths += silent ? 1 : 0;
        if (idleNanos <= longestAlive) {
            contradicted = true;
        }
        if (idleNanos < shortestDead) {
            shortestDead = idleNanos;
        }
        return report(pool);
    }

    private String report(String pool) {
        if (reported || contradicted || !recurred || deaths < DEATHS || longestAlive < Settings.prepingIdleNanos) {
            return null;
        }
        reported = true;
        long lower = Settings.millis(longestAlive);
        long upper = Settings.millis(shortestDead);
        // Dropped connections never answer; the ones a server closed answer no at once.
        String cause = silentDeaths * 2 > deaths ? "middlebox (idle connections dropped without a word)"
            : "server idle timer (the server closed idle sessions)";
        return pool + " dead-after=" + lower + "ms.." + upper + "ms deaths=" + deaths + " cause=" + cause
            + " advice=\"POOLGUARD_KEEPALIVE=" + Durations.format(below(lower)) + ", or the pool's own keepalive or"
            + " max lifetime below " + Durations.format(lower) + "\"";
    }

    /** A keepalive interval safely below {@code millis}, rounded to a readable value. */
    static long below(long millis) {
        long target = millis * 3 / 4;
        long unit = target >= 120_000 ? 60_000 : target >= 10_000 ? 1000 : target >= 1000 ? 100 : 10;
        return Math.max(unit, target / unit * unit);
    }

    synchronized long longestAliveMillis() {
        return Settings.millis(longestAlive);
    }

    synchronized long shortestDeadMillis() {
        return shortestDead == Long.MAX_VALUE ? -1 : Settings.millis(shortestDead);
    }

    /**
     * For the MBean: the bracket once claimed; {@code none} when deaths did not follow idle time; {@code unknown} while
     * the evidence is short (fewer than {@link #DEATHS} deaths, no idle connection seen alive, or no death again).
     */
    synchronized String verdict() {
        return reported ? Settings.millis(longestAlive) + "ms.." + Settings.millis(shortestDead) + "ms"
            : contradicted ? "none" : "unknown";
    }
}
