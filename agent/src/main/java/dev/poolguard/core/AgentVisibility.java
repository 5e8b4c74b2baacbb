package dev.poolguard.core;

import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Whether advice inlined into a class loader's classes can link the agent's ({@link Hooks} on the bootstrap class
 * path). Most loaders delegate to the bootstrap loader for every package; a JBoss module (WildFly, JBoss EAP) sees
 * only the bootstrap packages in {@code jboss.modules.system.pkgs}, to which the agent adds its own when started with
 * {@code -javaagent} ({@link JBossModules}) but cannot once attached to a running server; an OSGi bundle only those
 * under boot delegation. Woven there, a pool's or driver's method would throw {@code NoClassDefFoundError}, so the
 * weaver leaves such a loader's classes alone. Checked once per class loader, logged once.
 */
final class AgentVisibility {

    private static final Map<ClassLoader, Boolean> VERDICTS = Collections.synchronizedMap(new WeakHashMap<>());

    private AgentVisibility() {
    }

    static boolean from(ClassLoader loader) {
        if (loader == null) {
            return true;
        }
        Boolean verdict = VERDICTS.get(loader);
        if (verdict != null) {
            return verdict;
        }
        boolean sees = sees(loader);
        if (VERDICTS.putIfAbsent(loader, sees) == null && !sees) {
            Log.warn("adapter.skipped", "all " + describe(loader) + " reason=this class loader cannot see"
                + " the agent's classes (a JBoss module: dev.poolguard is in jboss.modules.system.pkgs only when the agent"
                + " is started with -javaagent) action=its pools and drivers run as without the agent");
        }
        return sees;
    }

    /** The loader's class, and its name where it has one (JBoss Modules names each loader after its module). */
    private static String describe(ClassLoader loader) {
        String name = loader.getName();
        return loader.getClass().getName() + (name == null ? "" : " " + name);
    }

    private static boolean sees(ClassLoader loader) {
        try {
            return Class.forName(Hooks.class.getName(), false, loader) == Hooks.class;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
