package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;

import dev.poolguard.adapter.Adapters;
import java.io.File;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.utility.JavaModule;

/** Start-up: read the configuration, pick the adapters, weave. Runs in the bootstrap class loader. */
public final class Agent {

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static volatile PoolAdapter[] active = new PoolAdapter[0];

    private Agent() {
    }

    public static void start(String args, Instrumentation inst, File jar, boolean attached) {
        if (!STARTED.compareAndSet(false, true)) {
            Log.info("agent.duplicate", "version=" + version() + " action=ignored, already installed");
            return;
        }
        List<PoolAdapter> all = Adapters.all();
        Set<String> ids = new LinkedHashSet<>();
        for (PoolAdapter a : all) {
            ids.add(a.id());
        }
        Config config = Config.load(args, System.getenv(), System.getProperties(), ids);
        if (!config.enabled) {
            return; // the master switch: nothing installed, nothing printed
        }
        Log.setLevel(config.logLevel);
        for (String problem : config.problems) {
            Log.warn("config.invalid", problem);
        }
        Settings.apply(config);

        List<PoolAdapter> enabled = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        for (PoolAdapter a : all) {
            if (config.adapterEnabled(a.id())) {
                enabled.add(a);
                for (String p : a.ownPackages()) {
                    packages.add(p);
                }
            }
        }
        active = enabled.toArray(new PoolAdapter[0]);
        Connections.poolPackages = packages.toArray(new String[0]);
        long installStart = System.nanoTime();
        install(inst, jar, enabled, attached);
        long installMillis = (System.nanoTime() - installStart) / 1_000_000;
        List<String> names = new ArrayList<>();
        for (PoolAdapter a : enabled) {
            names.add(a.id());
        }
        Log.info("agent.started", "version=" + version() + " adapters=" + String.join(",", names) + " settings="
            + (config.nonDefaults.isEmpty() ? "defaults" : String.join(",", config.nonDefaults))
            + (attached ? " attached=true" : "") + " install=" + installMillis + "ms");
    }

    private static void install(Instrumentation inst, File jar, List<PoolAdapter> adapters, boolean attached) {
        // Byte Buddy's "safe" mode avoids sun.misc.Unsafe, which JDK 24+ warns about on the app's stderr.
        // The name is the relocated one: Byte Buddy reads its own property under its shaded package.
        if (System.getProperty("dev.poolguard.shaded.bytebuddy.safe") == null) {
            System.setProperty("dev.poolguard.shaded.bytebuddy.safe", "true");
        }
        try {
            PoolAdapter.adviceLocator = ClassFileLocator.ForJarFile.of(jar);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the agent jar " + jar.getName(), e);
        }
        ConnectionClasses.weaveOnFirstUse(inst);
        NameFilter filter = new NameFilter();
        AgentBuilder builder = new AgentBuilder.Default(new ByteBuddy().with(TypeValidation.DISABLED))
            .disableClassFormatChanges()
            // Advice only: no method graph of the woven type's hierarchy is needed, and for a driver's connection
            // class (Oracle's implements hundreds of methods) computing one costs a quarter of a second.
            .with(AgentBuilder.TypeStrategy.Default.DECORATE)
            // Retransforming: connection classes are woven when first used (ConnectionClasses). At JVM start no
            // pool or driver class is loaded yet, so going over the loaded classes would only cost start-up time;
            // attached to a running JVM, the pools already loaded are woven in place.
            .with(inst.isRetransformClassesSupported() ? AgentBuilder.RedefinitionStrategy.RETRANSFORMATION
                : AgentBuilder.RedefinitionStrategy.DISABLED)
            .with(attached ? AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.SinglePass.INSTANCE
                : new AgentBuilder.RedefinitionStrategy.DiscoveryStrategy.Explicit())
            .with(AgentBuilder.DescriptionStrategy.Default.POOL_ONLY)
            .with(AgentBuilder.PoolStrategy.Default.FAST)
            .with(new FailureListener())
            .with(filter)
            .ignore(nameStartsWith("dev.poolguard.")
                .or(nameStartsWith("java."))
                .or(nameStartsWith("javax."))
                .or(nameStartsWith("jdk."))
                .or(nameStartsWith("sun."))
                .or(nameStartsWith("com.sun.")));
        for (PoolAdapter a : adapters) {
            builder = a.instrument(builder);
        }
        filter.addAll(adapters);
        builder.installOn(inst);
        if (!attached) {
            WarmUp.start(PoolAdapter.adviceLocator);
        }
    }

    static PoolAdapter adapter(String id) {
        PoolAdapter[] adapters = active;
        for (PoolAdapter a : adapters) {
            if (a.id() == id) { // advice passes the adapter's own interned constant
                return a;
            }
        }
        for (PoolAdapter a : adapters) {
            if (a.id().equals(id)) {
                return a;
            }
        }
        return null;
    }

    /** The enabled adapter whose pool {@code className} belongs to; null if none. */
    static PoolAdapter adapterOwning(String className) {
        for (PoolAdapter a : active) {
            if (a.owns(className)) {
                return a;
            }
        }
        return null;
    }

    static String version() {
        String v = Agent.class.getPackage() == null ? null : Agent.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** A class the agent could not weave is left as it is; the adapter says so once. */
    private static final class FailureListener extends AgentBuilder.Listener.Adapter {
        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable t) {
            Log.warnOnce("weave/" + typeName, "hook.failed", typeName + " hook=weave error=" + Log.describe(t)
                + " action=class left unchanged");
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                                     DynamicType dynamicType) {
            Log.debug("weave", type.getName() + " loader=" + (loader == null ? "bootstrap" : loader.getClass().getName())
                + (loaded ? " retransformed=true" : ""));
        }
    }
}
