package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The real frameworks, each in a class loader of its own as an application has them: the agent looks at them without
 * initialising them, and uses one only once the application has.
 */
class AppLoggingFrameworksTest {

    private final PrintStream err = System.err;

    @AfterEach
    void restore() {
        System.setErr(err);
        AppLogging.reset();
        Log.setOutput("stderr", "text");
    }

    private static URLClassLoader app(String frameworks) throws Exception {
        File[] jars = new File("target/log-frameworks/" + frameworks).listFiles();
        assertTrue(jars != null && jars.length > 0, "no jars in target/log-frameworks/" + frameworks);
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toURI().toURL();
        }
        // The platform loader as parent: nothing of the test's own class path (its SLF4J) shows through.
        return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    }

    /** What the application does first: it asks SLF4J for a logger, which binds a provider. */
    private static void applicationLogsThroughSlf4j(ClassLoader app) throws Exception {
        Class.forName("org.slf4j.LoggerFactory", true, app).getMethod("getLogger", String.class).invoke(null, "app");
    }

    private interface Action {
        void run() throws Throwable;
    }

    private String stderr(Action r) throws Throwable {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(err);
        }
        return new String(captured.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void slf4j2IsWaitedForThenGetsTheFieldsAsKeyValues() throws Throwable {
        try (URLClassLoader app = app("slf4j-2")) {
            AppLogging.Backend slf4j = AppLogging.Slf4j.resolve(app);
            assertEquals("slf4j2", slf4j.name);
            assertEquals(AppLogging.Backend.NOT_YET, slf4j.state());
            assertEquals(AppLogging.Backend.NOT_YET, slf4j.state(), "looking did not initialise SLF4J");
            applicationLogsThroughSlf4j(app);
            assertEquals(AppLogging.Backend.READY, slf4j.state());
            assertEquals("org.slf4j.simple.SimpleLoggerFactory", slf4j.binding());
            String out = stderr(() -> {
                slf4j.write(Log.Level.WARN, "preping.dead", "p-1 by=pool idle=5ms reason=a b");
            });
            assertTrue(out.contains("WARN dev.poolguard.preping.dead"), out);
            // slf4j-simple writes the key/values before the message: they arrived as key/values.
            assertTrue(out.contains("event=preping.dead pool=p-1 by=pool idle=5ms reason=a b"), out);
        }
    }

    @Test
    void slf4j17GetsTheTextForm() throws Throwable {
        try (URLClassLoader app = app("slf4j-1.7")) {
            AppLogging.Backend slf4j = AppLogging.Slf4j.resolve(app);
            assertEquals("slf4j", slf4j.name);
            assertEquals(AppLogging.Backend.NOT_YET, slf4j.state());
            applicationLogsThroughSlf4j(app);
            assertEquals(AppLogging.Backend.READY, slf4j.state());
            String out = stderr(() -> {
                slf4j.write(Log.Level.INFO, "hold.returned", "p-1 thread=t held=2500ms");
            });
            assertTrue(out.contains("INFO dev.poolguard.hold.returned - hold.returned p-1 thread=t held=2500ms"), out);
        }
    }

    @Test
    void log4jIsUsedOnlyOnceTheApplicationHasAContext() throws Throwable {
        try (URLClassLoader app = app("log4j")) {
            AppLogging.Backend log4j = AppLogging.Log4j.resolve(app);
            assertEquals(AppLogging.Backend.NOT_YET, log4j.state());
            assertEquals(AppLogging.Backend.NOT_YET, log4j.state(), "looking created no context");
            Class.forName("org.apache.logging.log4j.LogManager", true, app)
                .getMethod("getContext", ClassLoader.class, boolean.class).invoke(null, app, false);
            assertEquals(AppLogging.Backend.READY, log4j.state());
            assertEquals("org.apache.logging.log4j.core.impl.Log4jContextFactory", log4j.binding());
            log4j.write(Log.Level.WARN, "preping.dead", "p-1 by=pool idle=5ms reason=a b\n  at x");
        }
    }

    /**
     * The Log4j API alone, a transitive dependency nobody logs through: not a candidate, and never asked for its
     * factory, which would print that it found no provider.
     */
    @Test
    void theLog4jApiWithoutAnImplementationIsLeftAlone() throws Throwable {
        try (URLClassLoader app = app("log4j-api")) {
            String out = stderr(() -> assertNull(AppLogging.Log4j.resolve(app)));
            assertEquals("", out);
            Log.setOutput("application", "text");
            AppLogging.seen(app);
            String chosen = stderr(() -> AppLogging.write(Log.Level.INFO, "later.test", "p-1 n=1"));
            assertTrue(chosen.startsWith("[poolguard] log.target target=application framework=jul "), chosen);
        }
    }

    @Test
    void slf4jWithoutAProviderIsPassedOverForJavaUtilLogging() throws Throwable {
        try (URLClassLoader app = app("slf4j-nop")) {
            Log.setOutput("application", "text");
            AppLogging.seen(app);
            String before = stderr(() -> AppLogging.write(Log.Level.INFO, "early.test", "p-1 n=1"));
            assertEquals("", before, "SLF4J not initialised yet: waited for, the event left to the caller");
            assertFalse(AppLogging.write(Log.Level.INFO, "early.test", "p-1 n=2"));
            stderr(() -> {
                applicationLogsThroughSlf4j(app); // no provider: SLF4J's NOP fallback
            });
            String out = stderr(() -> AppLogging.write(Log.Level.INFO, "later.test", "p-1 n=3"));
            assertTrue(out.startsWith("[poolguard] log.target target=application framework=jul "
                + "binding=java.util.logging.LogManager"), out);
        }
    }

    @Test
    void anInitialisedSlf4jIsChosenFromThePoolsClassLoader() throws Throwable {
        try (URLClassLoader app = app("slf4j-2")) {
            Log.setOutput("application", "text");
            AppLogging.seen(app);
            assertFalse(AppLogging.write(Log.Level.INFO, "early.test", "p-1 n=1"));
            applicationLogsThroughSlf4j(app);
            String out = stderr(() -> AppLogging.write(Log.Level.WARN, "later.test", "p-1 n=2"));
            assertTrue(out.startsWith("[poolguard] log.target target=application framework=slf4j2 "
                + "binding=org.slf4j.simple.SimpleLoggerFactory"), out);
            assertTrue(out.contains("WARN dev.poolguard.later.test"), out);
        }
    }
}
