package dev.poolguard.core;

import java.time.Instant;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's log: greppable lines {@code [poolguard] <event> <subject> key=value ...}, written through SLF4J
 * to the agent's own stderr backend; with {@code POOLGUARD_LOG_FORMAT=json} one JSON object a line instead, and with
 * {@code POOLGUARD_LOG_TARGET=application} through the application's own logging once it is usable
 * ({@link AppLogging}). The rate limit applies before either target, and nothing here may throw.
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
    /** The stderr text lines through {@link #LOGGER}, as always; anything else through {@link #write}. */
    private static final int TEXT = 0;
    private static final int JSON = 1;
    private static final int APPLICATION_TEXT = 2;
    private static final int APPLICATION_JSON = 3;
    /** Set once at start-up, before any hook runs. */
    private static int output = TEXT;

    private Log() {
    }

    static void setLevel(String level) {
        LOGGER.level = Level.parse(level);
    }

    /** {@code POOLGUARD_LOG_TARGET} and {@code POOLGUARD_LOG_FORMAT}, as validated by {@link Config}. */
    static void setOutput(String target, String format) {
        boolean json = "json".equals(format);
        output = "application".equals(target) ? (json ? APPLICATION_JSON : APPLICATION_TEXT) : json ? JSON : TEXT;
    }

    static boolean debugEnabled() {
        return LOGGER.isDebugEnabled();
    }

    public static void debug(String event, String rest) {
        if (output == TEXT) {
            LOGGER.debug("{} {}", event, rest);
        } else if (LOGGER.isDebugEnabled()) {
            // Never into the application's logging: many debug lines come from inside class loading (weaving).
            stderr(Level.DEBUG, event, rest);
        }
    }

    public static void info(String event, String rest) {
        if (LOGGER.isInfoEnabled() && admit(event, rest, System.nanoTime())) {
            if (output == TEXT) {
                LOGGER.info("{} {}", event, rest);
            } else {
                write(Level.INFO, event, rest);
            }
        }
    }

    public static void warn(String event, String rest) {
        if (LOGGER.isWarnEnabled() && admit(event, rest, System.nanoTime())) {
            if (output == TEXT) {
                LOGGER.warn("{} {}", event, rest);
            } else {
                write(Level.WARN, event, rest);
            }
        }
    }

    /** An admitted event, when the target or format is not the default. */
    private static void write(Level level, String event, String rest) {
        if (output >= APPLICATION_TEXT && AppLogging.write(level, event, rest)) {
            return;
        }
        stderr(level, event, rest);
    }

    /** Straight to stderr in the configured form (text or JSON), past the rate limit and the application's logging. */
    static void stderr(Level level, String event, String rest) {
        if (output == JSON || output == APPLICATION_JSON) {
            try {
                System.err.println(EventFields.json(Instant.now().toString(), level.name().toLowerCase(Locale.ROOT),
                    event, rest));
            } catch (Throwable ignored) {
                // Logging must never hurt the host app.
            }
        } else if (level == Level.WARN) {
            LOGGER.warn("{} {}", event, rest);
        } else if (level == Level.INFO) {
            LOGGER.info("{} {}", event, rest);
        } else {
            LOGGER.debug("{} {}", event, rest);
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
                String rest = key.substring(space + 1) + " event=" + key.substring(0, space)
                    + " lines=" + suppressed + " action=only the first " + LINES_PER_SECOND + " a second written";
                if (output == TEXT) {
                    LOGGER.warn("{} {}", "log.suppressed", rest);
                } else if (LOGGER.isWarnEnabled()) {
                    write(Level.WARN, "log.suppressed", rest);
                }
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
