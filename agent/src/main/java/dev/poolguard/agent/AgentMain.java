package dev.poolguard.agent;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.util.jar.JarFile;

/**
 * The JVM's entry point. It only puts the agent jar on the bootstrap class path and hands over to
 * {@code dev.poolguard.core.Agent} loaded there: advice inlined into a pool calls the core, and the
 * bootstrap loader is the one loader every pool's loader can see (Spring Boot nested jars, isolated
 * URLClassLoaders whose parent is the platform loader). This class is loaded by the system loader and so
 * must not touch any other agent class directly.
 */
public final class AgentMain {

    private AgentMain() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static void start(String args, Instrumentation inst, boolean attached) {
        try {
            File jar = new File(new URI(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toString()));
            inst.appendToBootstrapClassLoaderSearch(new JarFile(jar));
            Class<?> core = Class.forName("dev.poolguard.core.Agent", true, null);
            try {
                core.getMethod("start", String.class, Instrumentation.class, File.class, String.class, boolean.class)
                    .invoke(null, args, inst, jar, version(), attached);
            } catch (NoSuchMethodException e) {
                // An older PoolGuard's core is already on the bootstrap class path: it says it is installed.
                core.getMethod("start", String.class, Instrumentation.class, File.class, boolean.class)
                    .invoke(null, args, inst, jar, attached);
            }
        } catch (InvocationTargetException e) {
            failed(e.getCause());
        } catch (Throwable t) {
            failed(t);
        }
    }

    /**
     * From the manifest, which the system loader read as it loaded this class. Asked of the core's classes instead, the
     * bootstrap loader reads it again, which took about 6 ms of start-up.
     */
    private static String version() {
        Package p = AgentMain.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Never stop the host application: one line, and the app runs as if the agent were absent. */
    private static void failed(Throwable t) {
        System.err.println("[poolguard] hook.failed agent hook=start error=" + t
            + (t.getCause() == null ? "" : " cause=" + t.getCause()) + " action=agent not installed");
    }
}
