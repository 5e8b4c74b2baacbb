package dev.poolguard.core;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Weaves a driver's connection classes when the first connection of the class is seen, not when they load. Drivers
 * load connection classes nobody uses (Oracle's driver loads its four largest as soon as {@code DriverManager}
 * starts it, in any app that has it on the class path), and weaving a class of that size costs tens of
 * milliseconds of start-up. The first connection of a class is seen as the driver returns it from
 * {@code connect} (or, opened where the agent could not see it, at its first borrow), before the app can call it.
 */
final class ConnectionClasses {

    /** Null when classes cannot be retransformed here: connection classes are then woven as they load. */
    private static volatile Instrumentation instrumentation;
    private static final Set<Class<?>> DUE = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    /** Per class loader, the classes handed their pre-woven bytes as they loaded ({@link PreWoven}): already woven. */
    private static final Map<ClassLoader, Set<String>> WOVEN_AT_LOAD = Collections.synchronizedMap(new WeakHashMap<>());
    private static final ClassValue<AtomicBoolean> SEEN = new ClassValue<AtomicBoolean>() {
        @Override
        protected AtomicBoolean computeValue(Class<?> type) {
            return new AtomicBoolean();
        }
    };

    private ConnectionClasses() {
    }

    static void weaveOnFirstUse(Instrumentation inst) {
        instrumentation = inst.isRetransformClassesSupported() ? inst : null;
    }

    /** Whether a connection class passing the transformer ({@code redefined} null when it is loading) is woven now. */
    static boolean due(Class<?> redefined) {
        return instrumentation == null || (redefined != null && (DUE.contains(redefined) || wovenAtLoad(redefined)));
    }

    /** A class of {@code loader} took its pre-woven bytes as it loaded: it is not to be woven again at first use. */
    static void wovenAtLoad(ClassLoader loader, String internalName) {
        Set<String> names = WOVEN_AT_LOAD.get(loader);
        if (names == null) {
            names = ConcurrentHashMap.newKeySet();
            Set<String> raced = WOVEN_AT_LOAD.putIfAbsent(loader, names);
            names = raced != null ? raced : names;
        }
        names.add(internalName);
    }

    private static boolean wovenAtLoad(Class<?> c) {
        Set<String> names = WOVEN_AT_LOAD.get(c.getClassLoader());
        return names != null && names.contains(c.getName().replace('.', '/'));
    }

    /** A physical connection the agent sees for the first time: weave its class and superclasses if not yet done. */
    static void seen(Object connection) {
        Instrumentation inst = instrumentation;
        if (inst == null || !SEEN.get(connection.getClass()).compareAndSet(false, true)) {
            return;
        }
        List<Class<?>> classes = new ArrayList<>();
        for (Class<?> c = connection.getClass(); c != null; c = c.getSuperclass()) {
            if (isJdbcConnection(c) && inst.isModifiableClass(c) && !wovenAtLoad(c) && DUE.add(c)) {
                classes.add(c);
            }
        }
        if (classes.isEmpty()) {
            return;
        }
        try {
            inst.retransformClasses(classes.toArray(new Class<?>[0]));
        } catch (Throwable t) {
            Log.warnOnce("weave/" + connection.getClass().getName(), "hook.failed", connection.getClass().getName()
                + " hook=weave error=" + Log.describe(t) + " action=class left unchanged");
        }
    }

    /** By name: java.sql lives in the platform class loader, which the agent's bootstrap classes cannot link to. */
    private static boolean isJdbcConnection(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals("java.sql.Connection") || isJdbcConnection(i)) {
                    return true;
                }
            }
        }
        return false;
    }
}
