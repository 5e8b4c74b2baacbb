package dev.poolguard.core;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's log: greppable lines {@code [poolguard] <event> <subject> key=value ...}, written through SLF4J
 * to the agent's own stderr backend. It never touches the application's logging, and nothing here may throw.
 */
public final class Log {

    public enum Level {
        DEBUG, INFO, WARN, ERROR, OFF;

        static Level parse(String text) {
            for (Level l : values()) {
                if (l.name().toLowerCase(Locale.ROOT).equals(text)) {
                    return l;
                }
            }
            return null;
        }
    }

    private static final StderrLogger LOGGER = new StderrLogger();
    private static final Set<String> ONCE = ConcurrentHashMap.newKeySet();
    /** At most this many lines a second of one event about one subject (a pool); the rest are counted. */
    static final int LINES_PER_SECOND = 5;
    private static final Map<String, Burst> BURSTS = new ConcurrentHashMap<>();

    private Log() {
    }

    static void setLevel(String level) {
        LOGGER.level = Level.parse(level);
    }

    static boolean debugEnabled() {
        return LOGGER.isDebugEnabled();
    }

    public static void debug(String event, String rest) {
        LOGGER.debug("{} {}", event, rest);
    }

    public static void info(String event, String rest) {
        if (LOGGER.isInfoEnabled() && admit(event, rest, System.nanoTime())) {
            LOGGER.info("{} {}", event, rest);
        }
    }

    public static void warn(String event, String rest) {
        if (LOGGER.isWarnEnabled() && admit(event, rest, System.nanoTime())) {
            LOGGER.warn("{} {}", event, rest);
        }
    }

    /** Lines of one event about one subject within one second: a flood is cut to a few lines and a count. */
    private static final class Burst {
        long second;
        int lines;
        int suppressed;
    }

    /** Whether this line may be written now; if not, it is counted for {@link #flushSuppressed}. */
    static boolean admit(String event, String rest, long now) {
        int space = rest.indexOf(' ');
        String key = event + ' ' + (space < 0 ? rest : rest.substring(0, space));
        Burst b = BURSTS.computeIfAbsent(key, k -> new Burst());
        long second = now / 1_000_000_000L;
        synchronized (b) {
            if (b.second != second) {
                b.second = second;
                b.lines = 0;
            }
            if (b.lines < LINES_PER_SECOND) {
                b.lines++;
                return true;
            }
            b.suppressed++;
            return false;
        }
    }

    /** Once a second or so (the watchdog): one line per event and subject that was cut, with how many lines were. */
    static void flushSuppressed(long now) {
        long second = now / 1_000_000_000L;
        for (Iterator<Map.Entry<String, Burst>> it = BURSTS.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Burst> e = it.next();
            Burst b = e.getValue();
            int suppressed;
            synchronized (b) {
                if (b.second == second) {
                    continue;
                }
                suppressed = b.suppressed;
                b.suppressed = 0;
            }
            it.remove(); // a later line starts a new entry
            if (suppressed > 0) {
                String key = e.getKey();
                int space = key.indexOf(' ');
                LOGGER.warn("{} {}", "log.suppressed", key.substring(space + 1) + " event=" + key.substring(0, space)
                    + " lines=" + suppressed + " action=only the first " + LINES_PER_SECOND + " a second written");
            }
        }
    }

    /** Logs the first time {@code key} is seen and never again: a failing hook must not flood the log. */
    static boolean warnOnce(String key, String event, String rest) {
        if (!ONCE.add(key)) {
            return false;
        }
        warn(event, rest);
        return true;
    }

    /** As {@link #warnOnce}, at info level. */
    static boolean infoOnce(String key, String event, String rest) {
        if (!ONCE.add(key)) {
            return false;
        }
        info(event, rest);
        return true;
    }

    /** {@code Class: message} on one line, with anything that looks like a credential removed. */
    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getName() + (message == null ? "" : ": " + scrub(message.replace('\n', ' ')));
    }

    /**
     * Drivers put URLs into some messages; a URL may carry {@code password=...} or {@code user:password@}.
     * Those never reach the log.
     */
    static String scrub(String text) {
        return text
            .replaceAll("(?i)(password|passwd|pwd|secret|token)=[^&;,\\s)]*", "$1=***")
            .replaceAll("//[^/@\\s]*:[^/@\\s]*@", "//***@");
    }
}
