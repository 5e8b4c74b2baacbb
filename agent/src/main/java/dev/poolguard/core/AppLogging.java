package dev.poolguard.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code POOLGUARD_LOG_TARGET=application}: events written through the application's own logging, found in the class
 * loader of the first pool the agent sees, in this order: SLF4J (2.x fluent API with key/values, or 1.7 text),
 * Log4j 2 API ({@code StringMapMessage}), java.util.logging (text). The agent never initialises or configures a
 * framework: SLF4J is used once the application's {@code LoggerFactory} has bound a provider, Log4j once a started
 * context exists for that loader, java.util.logging once a pool is up and neither of the others is waited for.
 * Everything reflective is resolved once, when a framework is chosen; each event costs method-handle calls only.
 * Until a framework is usable, and for good after any failure, {@link Log} writes to stderr.
 */
final class AppLogging {

    /** How long a framework that is present but not yet initialised is waited for before the next one is tried. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static volatile ClassLoader loader;
    private static volatile Backend backend;
    /** A failure, or no framework could be resolved: stderr from now on. */
    private static volatile boolean off;
    /** Resolved once for {@link #loader}; only read and written under the class lock. */
    private static Backend[] candidates;
    private static long firstTry;
    /** The application's logging called back into the agent (an appender that borrows a pooled connection). */
    private static final ThreadLocal<boolean[]> INSIDE = new ThreadLocal<boolean[]>() {
        @Override
        protected boolean[] initialValue() {
            return new boolean[1];
        }
    };

    private AppLogging() {
    }

    /** The class loader of a pool: the first one seen is where the application's logging is looked for. */
    static void seen(ClassLoader l) {
        if (loader == null && l != null && !off) {
            loader = l;
        }
    }

    /** Whether the event was written through the application's logging; false: the caller writes it to stderr. */
    static boolean write(Log.Level level, String event, String rest) {
        Backend b = backend;
        if (b == null && (off || loader == null)) {
            return false;
        }
        boolean[] inside = INSIDE.get();
        if (inside[0]) {
            return false; // raised while the application's logging (or the lookup of it) is at work on this thread
        }
        inside[0] = true;
        try {
            if (b == null && (b = choose()) == null) {
                return false;
            }
            b.write(level, event, rest);
            return true;
        } catch (Throwable t) {
            fail(b == null ? "lookup" : b.name, t);
            return false;
        } finally {
            inside[0] = false;
        }
    }

    /** Tests: writes through {@code b} from now on, as if it had been chosen. */
    static synchronized void use(Backend b) {
        backend = b;
        off = false;
    }

    /** Tests: back to the state at start-up. */
    static synchronized void reset() {
        backend = null;
        off = false;
        loader = null;
        candidates = null;
    }

    private static synchronized Backend choose() {
        if (backend != null || off) {
            return backend;
        }
        ClassLoader l = loader;
        try {
            if (candidates == null) {
                firstTry = System.nanoTime();
                candidates = new Backend[] {slf4j(l), log4j(l), new Jul()};
            }
            boolean waited = System.nanoTime() - firstTry >= WAIT_NANOS;
            for (Backend c : candidates) {
                if (c == null) {
                    continue;
                }
                int state = c.state();
                if (state == Backend.READY) {
                    Log.stderr(Log.Level.INFO, "log.target", "target=application framework=" + c.name
                        + " binding=" + c.binding() + " action=events written through it from now on");
                    backend = c;
                    return c;
                }
                if (state == Backend.NOT_YET && !waited) {
                    return null; // present but not initialised by the application yet: wait for it
                }
            }
            return null;
        } catch (Throwable t) {
            fail("lookup", t);
            return null;
        }
    }

    /** A framework whose API is not what the agent was built for (SLF4J before 1.7, say) is passed over. */
    private static Backend slf4j(ClassLoader l) {
        try {
            return Slf4j.resolve(l);
        } catch (Throwable t) {
            return null;
        }
    }

    private static Backend log4j(ClassLoader l) {
        try {
            return Log4j.resolve(l);
        } catch (Throwable t) {
            return null;
        }
    }

    private static void fail(String framework, Throwable t) {
        synchronized (AppLogging.class) {
            if (off) {
                return;
            }
            off = true;
            backend = null;
        }
        Log.stderr(Log.Level.WARN, "log.target", "target=stderr framework=" + framework + " error="
            + Log.describe(t) + " action=events written to stderr from now on");
    }

    /** A class name put together at run time, so that the agent's build does not relocate it as its own SLF4J. */
    static String name(String... parts) {
        return String.join(".", parts);
    }

    private static Class<?> find(ClassLoader l, String name) {
        try {
            return Class.forName(name, false, l);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** A handle taking and returning Objects, for invokeExact. */
    private static MethodHandle generic(MethodHandle h) {
        return h.asType(MethodType.genericMethodType(h.type().parameterCount()).changeReturnType(
            h.type().returnType() == void.class ? void.class : Object.class));
    }

    abstract static class Backend {
        static final int READY = 0;
        static final int NOT_YET = 1;
        static final int UNUSABLE = 2;

        final String name;
        private final Map<String, Object> loggers = new ConcurrentHashMap<>();

        Backend(String name) {
            this.name = name;
        }

        /** READY, NOT_YET (present, the application has not initialised it) or UNUSABLE. */
        abstract int state() throws Throwable;

        /** The implementation behind the API, for the log.target line. */
        abstract String binding() throws Throwable;

        abstract Object newLogger(String loggerName) throws Throwable;

        abstract void write(Object logger, Log.Level level, String event, String rest) throws Throwable;

        final void write(Log.Level level, String event, String rest) throws Throwable {
            Object logger = loggers.get(event);
            if (logger == null) {
                logger = newLogger("dev.poolguard." + event);
                loggers.putIfAbsent(event, logger);
            }
            write(logger, level, event, rest);
        }
    }

    /** SLF4J 2.x (fluent API, key/values) or 1.7 (text), once its LoggerFactory has bound a provider. */
    static final class Slf4j extends Backend {
        private static final int SUCCESSFUL_INITIALIZATION = 3;
        private static final int NOP_FALLBACK_INITIALIZATION = 4;
        private static final int FAILED_INITIALIZATION = 2;

        private final MethodHandle initializationState;
        private final MethodHandle getLogger;
        private final MethodHandle getILoggerFactory;
        /** 2.x: atDebug, atInfo, atWarn; setMessage, addKeyValue, log. */
        private final MethodHandle[] at;
        private final MethodHandle setMessage;
        private final MethodHandle addKeyValue;
        private final MethodHandle log;
        /** 1.7: debug, info, warn (String). */
        private final MethodHandle[] text;

        private Slf4j(String name, MethodHandle initializationState, MethodHandle getLogger,
                      MethodHandle getILoggerFactory, MethodHandle[] at, MethodHandle setMessage,
                      MethodHandle addKeyValue, MethodHandle log, MethodHandle[] text) {
            super(name);
            this.initializationState = initializationState;
            this.getLogger = getLogger;
            this.getILoggerFactory = getILoggerFactory;
            this.at = at;
            this.setMessage = setMessage;
            this.addKeyValue = addKeyValue;
            this.log = log;
            this.text = text;
        }

        static Slf4j resolve(ClassLoader l) throws ReflectiveOperationException {
            Class<?> factory = find(l, name("org", "slf4j", "LoggerFactory"));
            Class<?> logger = find(l, name("org", "slf4j", "Logger"));
            if (factory == null || logger == null) {
                return null;
            }
            MethodHandles.Lookup pub = MethodHandles.publicLookup();
            Field state = factory.getDeclaredField("INITIALIZATION_STATE");
            state.setAccessible(true);
            MethodHandle initializationState = MethodHandles.lookup().unreflectGetter(state)
                .asType(MethodType.methodType(int.class));
            MethodHandle getLogger = generic(pub.findStatic(factory, "getLogger",
                MethodType.methodType(logger, String.class)));
            Class<?> iFactory = find(l, name("org", "slf4j", "ILoggerFactory"));
            MethodHandle getILoggerFactory = generic(pub.findStatic(factory, "getILoggerFactory",
                MethodType.methodType(iFactory)));
            Class<?> builder = find(l, name("org", "slf4j", "spi", "LoggingEventBuilder"));
            if (builder != null) {
                MethodHandle[] at = {
                    generic(pub.findVirtual(logger, "atDebug", MethodType.methodType(builder))),
                    generic(pub.findVirtual(logger, "atInfo", MethodType.methodType(builder))),
                    generic(pub.findVirtual(logger, "atWarn", MethodType.methodType(builder)))};
                return new Slf4j("slf4j2", initializationState, getLogger, getILoggerFactory, at,
                    generic(pub.findVirtual(builder, "setMessage", MethodType.methodType(builder, String.class))),
                    generic(pub.findVirtual(builder, "addKeyValue",
                        MethodType.methodType(builder, String.class, Object.class))),
                    generic(pub.findVirtual(builder, "log", MethodType.methodType(void.class))), null);
            }
            MethodType ofString = MethodType.methodType(void.class, String.class);
            MethodHandle[] text = {
                generic(pub.findVirtual(logger, "debug", ofString)),
                generic(pub.findVirtual(logger, "info", ofString)),
                generic(pub.findVirtual(logger, "warn", ofString))};
            return new Slf4j("slf4j", initializationState, getLogger, getILoggerFactory, null, null, null, null, text);
        }

        @Override
        int state() throws Throwable {
            int state = (int) initializationState.invokeExact();
            if (state == SUCCESSFUL_INITIALIZATION) {
                return READY;
            }
            // No provider (NOP) or a failed binding: the application does not log through SLF4J.
            return state == NOP_FALLBACK_INITIALIZATION || state == FAILED_INITIALIZATION ? UNUSABLE : NOT_YET;
        }

        @Override
        String binding() throws Throwable {
            return ((Object) getILoggerFactory.invokeExact()).getClass().getName();
        }

        @Override
        Object newLogger(String loggerName) throws Throwable {
            return (Object) getLogger.invokeExact((Object) loggerName);
        }

        @Override
        void write(Object logger, Log.Level level, String event, String rest) throws Throwable {
            int i = level == Log.Level.WARN || level == Log.Level.ERROR ? 2 : level == Log.Level.INFO ? 1 : 0;
            String message = event + " " + rest;
            if (at == null) {
                text[i].invokeExact(logger, (Object) message);
                return;
            }
            Object b = (Object) at[i].invokeExact(logger);
            b = (Object) setMessage.invokeExact(b, (Object) message);
            EventFields f = EventFields.parse(rest);
            b = (Object) addKeyValue.invokeExact(b, (Object) "event", (Object) event);
            if (f.pool != null) {
                b = (Object) addKeyValue.invokeExact(b, (Object) "pool", (Object) f.pool);
            }
            for (int k = 0; k < f.keyValues.size(); k += 2) {
                b = (Object) addKeyValue.invokeExact(b, (Object) f.keyValues.get(k), (Object) f.keyValues.get(k + 1));
            }
            if (f.stack != null) {
                b = (Object) addKeyValue.invokeExact(b, (Object) "stack", (Object) f.stack);
            }
            log.invokeExact(b);
        }
    }

    /** The Log4j 2 API, once a started LoggerContext exists for the loader: StringMapMessage, one entry a field. */
    static final class Log4j extends Backend {
        /** The caller Log4j is told of: the agent's logging class. */
        private static final String FQCN = Log.class.getName();

        private final ClassLoader loader;
        private final MethodHandle getFactory;
        private final MethodHandle hasContext;
        private final MethodHandle getContext;
        private final MethodHandle contextGetLogger;
        private final MethodHandle newMessage;
        private final MethodHandle put;
        private final MethodHandle log;
        /** Level.DEBUG, INFO, WARN. */
        private final Object[] levels;

        private Log4j(ClassLoader loader, MethodHandle getFactory, MethodHandle hasContext, MethodHandle getContext,
                      MethodHandle contextGetLogger, MethodHandle newMessage, MethodHandle put, MethodHandle log,
                      Object[] levels) {
            super("log4j2");
            this.loader = loader;
            this.getFactory = getFactory;
            this.hasContext = hasContext;
            this.getContext = getContext;
            this.contextGetLogger = contextGetLogger;
            this.newMessage = newMessage;
            this.put = put;
            this.log = log;
            this.levels = levels;
        }

        static Log4j resolve(ClassLoader l) throws ReflectiveOperationException {
            String api = name("org", "apache", "logging", "log4j");
            Class<?> manager = find(l, api + ".LogManager");
            Class<?> mapMessage = find(l, api + ".message.StringMapMessage");
            if (manager == null || mapMessage == null || !hasProvider(l)) {
                return null;
            }
            Class<?> factory = find(l, api + ".spi.LoggerContextFactory");
            Class<?> context = find(l, api + ".spi.LoggerContext");
            Class<?> extendedLogger = find(l, api + ".spi.ExtendedLogger");
            Class<?> logger = find(l, api + ".Logger");
            Class<?> level = find(l, api + ".Level");
            Class<?> message = find(l, api + ".message.Message");
            MethodHandles.Lookup pub = MethodHandles.publicLookup();
            Object[] levels = {level.getField("DEBUG").get(null), level.getField("INFO").get(null),
                level.getField("WARN").get(null)};
            return new Log4j(l,
                generic(pub.findStatic(manager, "getFactory", MethodType.methodType(factory))),
                pub.findVirtual(factory, "hasContext",
                    MethodType.methodType(boolean.class, String.class, ClassLoader.class, boolean.class))
                    .asType(MethodType.methodType(boolean.class, Object.class, Object.class, Object.class, boolean.class)),
                pub.findStatic(manager, "getContext", MethodType.methodType(context, ClassLoader.class, boolean.class))
                    .asType(MethodType.methodType(Object.class, Object.class, boolean.class)),
                generic(pub.findVirtual(context, "getLogger", MethodType.methodType(extendedLogger, String.class))),
                generic(pub.findConstructor(mapMessage, MethodType.methodType(void.class))),
                generic(pub.findVirtual(mapMessage, "put", MethodType.methodType(void.class, String.class, String.class))),
                generic(pub.findVirtual(logger, "log", MethodType.methodType(void.class, level, message))),
                levels);
        }

        /**
         * Whether a Log4j implementation (log4j-core, or a bridge) is on the loader's class path. Without one the
         * Log4j API is a transitive dependency nobody logs through, and asking it for its factory would make it print
         * that it found no provider.
         */
        private static boolean hasProvider(ClassLoader l) {
            return l.getResource("META-INF/services/" + name("org", "apache", "logging", "log4j", "spi", "Provider")) != null
                || l.getResource("META-INF/log4j-provider.properties") != null;
        }

        @Override
        int state() throws Throwable {
            // getFactory runs LogManager's provider lookup if the application has not used the Log4j API yet; it
            // creates no context and reads no configuration. hasContext only looks.
            Object factory = (Object) getFactory.invokeExact();
            return (boolean) hasContext.invokeExact(factory, (Object) FQCN, (Object) loader, false) ? READY : NOT_YET;
        }

        @Override
        String binding() throws Throwable {
            return ((Object) getFactory.invokeExact()).getClass().getName();
        }

        @Override
        Object newLogger(String loggerName) throws Throwable {
            Object context = (Object) getContext.invokeExact((Object) loader, false);
            return (Object) contextGetLogger.invokeExact(context, (Object) loggerName);
        }

        @Override
        void write(Object logger, Log.Level level, String event, String rest) throws Throwable {
            int i = level == Log.Level.WARN || level == Log.Level.ERROR ? 2 : level == Log.Level.INFO ? 1 : 0;
            EventFields f = EventFields.parse(rest);
            Object m = (Object) newMessage.invokeExact();
            put.invokeExact(m, (Object) "event", (Object) event);
            if (f.pool != null) {
                put.invokeExact(m, (Object) "pool", (Object) f.pool);
            }
            if (f.message != null) {
                put.invokeExact(m, (Object) "message", (Object) f.message);
            }
            for (int k = 0; k < f.keyValues.size(); k += 2) {
                put.invokeExact(m, (Object) f.keyValues.get(k), (Object) f.keyValues.get(k + 1));
            }
            if (f.stack != null) {
                put.invokeExact(m, (Object) "stack", (Object) f.stack);
            }
            log.invokeExact(logger, levels[i], m);
        }
    }

    /** java.util.logging: in the JDK, so always there; the text form, one record per event. */
    static final class Jul extends Backend {
        Jul() {
            super("jul");
        }

        @Override
        int state() {
            return READY;
        }

        @Override
        String binding() {
            return java.util.logging.LogManager.getLogManager().getClass().getName();
        }

        @Override
        Object newLogger(String loggerName) {
            return java.util.logging.Logger.getLogger(loggerName);
        }

        @Override
        void write(Object logger, Log.Level level, String event, String rest) {
            java.util.logging.Level l = level == Log.Level.WARN || level == Log.Level.ERROR
                ? java.util.logging.Level.WARNING : level == Log.Level.INFO
                ? java.util.logging.Level.INFO : java.util.logging.Level.FINE;
            ((java.util.logging.Logger) logger).log(l, event + " " + rest);
        }
    }
}
