package dev.poolguard.core;

import dev.poolguard.adapter.Adapters;
import java.io.File;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import net.bytebuddy.dynamic.ClassFileLocator;

/** Start-up: read the configuration, pick the adapters, weave. Runs in the bootstrap class loader. */
public final class Agent {

    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static volatile PoolAdapter[] active = new PoolAdapter[0];

    private Agent() {
    }

    /** @param version the agent's, from its jar's manifest */
    public static void start(String args, Instrumentation inst, File jar, String version, boolean attached) {
        if (!STARTED.compareAndSet(false, true)) {
            Log.info("agent.duplicate", "version=" + version + " action=ignored, already installed");
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
        Log.setOutput(config.logTarget, config.logFormat);
        for (String problem : config.problems) {
            Log.warn("config.invalid", problem);
        }
        Settings.apply(config);
        Settings.attached = attached;
        if (!attached) {
            JBossModules.exportAgentPackages();
        }

        List<PoolAdapter> enabled = new ArrayList<>();
        List<String> packages = new ArrayList<>();
        List<String> allPackages = new ArrayList<>();
        for (PoolAdapter a : all) {
            allPackages.addAll(Arrays.asList(a.ownPackages()));
            if (config.adapterEnabled(a.id())) {
                enabled.add(a);
                for (String p : a.ownPackages()) {
                    packages.add(p);
                }
            }
        }
        active = enabled.toArray(new PoolAdapter[0]);
        Connections.poolPackages = packages.toArray(new String[0]);
        UnknownPools.adapterPackages = allPackages.toArray(new String[0]);
        long installStart = System.nanoTime();
        install(inst, jar, enabled, all, attached, config.preWoven);
        long installMillis = (System.nanoTime() - installStart) / 1_000_000;
        List<String> names = new ArrayList<>();
        for (PoolAdapter a : enabled) {
            names.add(a.id());
        }
        Log.info("agent.started", "version=" + version + " adapters=" + String.join(",", names) + " settings="
            + (config.nonDefaults.isEmpty() ? "defaults" : String.join(",", config.nonDefaults))
            + (attached ? " attached=true" : "") + " install=" + installMillis + "ms");
    }

    private static void install(Instrumentation inst, File jar, List<PoolAdapter> adapters, List<PoolAdapter> all,
                                boolean attached, boolean usePreWoven) {
        // Byte Buddy's "safe" mode avoids sun.misc.Unsafe, which JDK 24+ warns about on the app's stderr.
        // The name is the relocated one: Byte Buddy reads its own property under its shaded package.
        if (System.getProperty("dev.poolguard.shaded.bytebuddy.safe") == null) {
            System.setProperty("dev.poolguard.shaded.bytebuddy.safe", "true");
        }
        ConnectionClasses.weaveOnFirstUse(inst);
        NameFilter filter = new NameFilter(adapters);
        PreWoven preWoven = usePreWoven ? preWoven(jar, adapters, all) : null;
        if (preWoven != null) {
            filter.poolClasses(preWoven.poolClasses());
        }
        Weaver weaver = new Weaver(filter, new Rules(jar, adapters, filter), preWoven);
        Compatibility.weaver = weaver;
        // Retransforming: connection classes are woven when first used (ConnectionClasses); attached to a running
        // JVM, the pools already loaded are woven in place. At JVM start nothing of a pool or driver is loaded yet.
        inst.addTransformer(weaver, inst.isRetransformClassesSupported());
        if (attached) {
            if (inst.isRetransformClassesSupported()) {
                weaver.weaveLoaded(inst);
            }
        } else if (preWoven == null) {
            WarmUp.start(weaver); // with pre-woven classes the rules are built only if a class needs them
        }
    }

    private static PreWoven preWoven(File jar, List<PoolAdapter> enabled, List<PoolAdapter> all) {
        try {
            PreWoven p = PreWoven.open(jar, enabled, all);
            Log.debug("prewoven", p == null ? "classes=none (not every pool enabled, or a jar built without them)"
                : "classes=" + p.entries().size());
            return p;
        } catch (Throwable t) {
            Log.warnOnce("weave/prewoven", "hook.failed", "agent hook=prewoven error=" + Log.describe(t)
                + " action=classes woven at run time");
            return null;
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

    /**
     * The adapters' rules. Built off the application's thread when the JVM starts (building them loads a good part of
     * Byte Buddy), so no lambda here either: the first lambda of a JVM sets up its invokedynamic machinery.
     */
    private static final class Rules implements Callable<List<Weaving.Rule>> {
        private final File jar;
        private final List<PoolAdapter> adapters;
        private final NameFilter filter;

        Rules(File jar, List<PoolAdapter> adapters, NameFilter filter) {
            this.jar = jar;
            this.adapters = adapters;
            this.filter = filter;
        }

        @Override
        public List<Weaving.Rule> call() throws IOException {
            PoolAdapter.adviceLocator = ClassFileLocator.ForJarFile.of(jar);
            Weaving weaving = new Weaving();
            for (PoolAdapter a : adapters) {
                a.instrument(weaving);
            }
            filter.poolClasses(adapters);
            return weaving.rules();
        }
    }
}
