package dev.poolguard.core;

import java.util.Locale;
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
        LOGGER.info("{} {}", event, rest);
    }

    public static void warn(String event, String rest) {
        LOGGER.warn("{} {}", event, rest);
    }

    /** Logs the first time {@code key} is seen and never again: a failing hook must not flood the log. */
    static boolean warnOnce(String key, String event, String rest) {
        if (!ONCE.add(key)) {
            return false;
        }
        warn(event, rest);
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
