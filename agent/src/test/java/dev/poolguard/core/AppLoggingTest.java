package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AppLoggingTest {

    private final PrintStream err = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    @AfterEach
    void restore() {
        System.setErr(err);
        AppLogging.reset();
        Log.setOutput("stderr", "text");
    }

    private String stderr(Runnable r) {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(err);
        }
        return new String(captured.toByteArray(), StandardCharsets.UTF_8);
    }

    /** Keeps what a JUL logger receives; the logger is held so that it is not collected meanwhile. */
    private static final class Records extends Handler {
        final Logger logger;
        final List<LogRecord> records = new ArrayList<>();

        Records(String name) {
            logger = Logger.getLogger(name);
            logger.setUseParentHandlers(false);
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    @Test
    void julGetsOneRecordPerEventOnTheEventsLoggerAtItsLevelStackIncluded() {
        Records holds = new Records("dev.poolguard.hold.long");
        Records returns = new Records("dev.poolguard.hold.returned");
        try {
            Log.setOutput("application", "text");
            AppLogging.use(new AppLogging.Jul());
            String out = stderr(() -> {
                Log.warn("hold.long", "app-pool-1 thread=t held=2000ms\n    borrowed at:\n      at a.B.c(B.java:1)");
                Log.info("hold.returned", "app-pool-1 thread=t held=2500ms");
            });
            assertEquals("", out, "nothing on stderr once the application's logging writes the events");
            assertEquals(1, holds.records.size());
            LogRecord hold = holds.records.get(0);
            assertEquals(Level.WARNING, hold.getLevel());
            assertEquals("hold.long app-pool-1 thread=t held=2000ms\n    borrowed at:\n      at a.B.c(B.java:1)",
                hold.getMessage());
            assertEquals(1, returns.records.size());
            assertEquals(Level.INFO, returns.records.get(0).getLevel());
        } finally {
            holds.close();
            returns.close();
        }
    }

    /** A framework whose logger cannot be had. */
    private static final class Broken extends AppLogging.Backend {
        int calls;

        Broken() {
            super("broken");
        }

        @Override
        int state() {
            return READY;
        }

        @Override
        String binding() {
            return "broken";
        }

        @Override
        Object newLogger(String loggerName) {
            calls++;
            throw new IllegalStateException("no logger for " + loggerName);
        }

        @Override
        void write(Object logger, Log.Level level, String event, String rest) {
        }
    }

    @Test
    void aFailureFallsBackToStderrForGoodAndSaysSoOnce() {
        Log.setOutput("application", "text");
        Broken broken = new Broken();
        AppLogging.use(broken);
        String out = stderr(() -> {
            Log.warn("fallback.test", "pool-1 n=1");
            Log.warn("fallback.test", "pool-1 n=2");
        });
        assertEquals(1, broken.calls, "the framework is not tried again after it failed");
        List<String> lines = out.lines().collect(Collectors.toList());
        assertEquals(3, lines.size(), out);
        assertTrue(lines.get(0).startsWith("[poolguard] log.target target=stderr framework=broken error="
            + "java.lang.IllegalStateException: no logger for dev.poolguard.fallback.test action="), out);
        assertEquals("[poolguard] fallback.test pool-1 n=1", lines.get(1), "the event that failed is not lost");
        assertEquals("[poolguard] fallback.test pool-1 n=2", lines.get(2));
    }

    /** An appender that borrows a guarded connection, which raises an event of its own. */
    private static final class Reentrant extends AppLogging.Backend {
        final List<String> written = new ArrayList<>();

        Reentrant() {
            super("reentrant");
        }

        @Override
        int state() {
            return READY;
        }

        @Override
        String binding() {
            return "reentrant";
        }

        @Override
        Object newLogger(String loggerName) {
            return loggerName;
        }

        @Override
        void write(Object logger, Log.Level level, String event, String rest) {
            written.add(event);
            if (event.equals("outer.test")) {
                Log.warn("inner.test", "pool-1 raised inside the appender");
            }
        }
    }

    @Test
    void anEventRaisedInsideTheApplicationsLoggingGoesToStderr() {
        Log.setOutput("application", "text");
        Reentrant reentrant = new Reentrant();
        AppLogging.use(reentrant);
        String out = stderr(() -> Log.warn("outer.test", "pool-1 a=b"));
        assertEquals(List.of("outer.test"), reentrant.written);
        assertEquals("[poolguard] inner.test pool-1 raised inside the appender", out.trim());
    }

    @Test
    void withoutAPoolSeenEventsStayOnStderrInTheChosenFormat() {
        Log.setOutput("application", "json");
        String out = stderr(() -> Log.info("early.test", "version=1"));
        assertTrue(out.matches("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\",\"level\":\"info\","
            + "\"event\":\"early.test\",\"version\":\"1\"}\\R"), out);
    }

    @Test
    void debugLinesStayOnStderr() {
        Reentrant reentrant = new Reentrant();
        Log.setOutput("application", "text");
        Log.setLevel("debug");
        try {
            AppLogging.use(reentrant);
            String out = stderr(() -> Log.debug("weave.test", "a.B took=1ms"));
            assertEquals("[poolguard] weave.test a.B took=1ms", out.trim());
            assertEquals(List.of(), reentrant.written);
        } finally {
            Log.setLevel("info");
        }
    }

    @Test
    void theDefaultStaysTheTextLine() {
        String out = stderr(() -> Log.warn("default.test", "pool-1 reason=a b"));
        assertEquals("[poolguard] default.test pool-1 reason=a b", out.trim());
        assertFalse(out.contains("{"));
    }
}
