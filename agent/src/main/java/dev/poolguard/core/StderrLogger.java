package dev.poolguard.core;

import java.io.PrintStream;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * The agent's SLF4J backend: one line per call on stderr. It is created directly rather than found through
 * SLF4J's ServiceLoader lookup, so no provider scan runs in the host app and nothing else can bind to it.
 */
final class StderrLogger extends LegacyAbstractLogger {

    private static final long serialVersionUID = 1L;

    volatile Log.Level level = Log.Level.INFO;

    StderrLogger() {
        this.name = "poolguard";
    }

    private boolean on(Log.Level l) {
        return l.compareTo(level) >= 0 && level != Log.Level.OFF;
    }

    @Override
    public boolean isTraceEnabled() {
        return false;
    }

    @Override
    public boolean isDebugEnabled() {
        return on(Log.Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return on(Log.Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return on(Log.Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return on(Log.Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        try {
            String line = "[poolguard] " + MessageFormatter.basicArrayFormat(pattern, args);
            PrintStream err = System.err;
            // One println per event keeps a multi-line event in one piece between the app's own lines.
            err.println(t == null ? line : line + " error=" + t);
        } catch (Throwable ignored) {
            // Logging must never hurt the host app.
        }
    }
}
