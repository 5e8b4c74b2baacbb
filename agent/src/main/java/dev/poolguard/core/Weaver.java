package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.isVirtual;
import static net.bytebuddy.matcher.ElementMatchers.not;

import java.io.IOException;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeInitializer;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * The agent's class file transformer: the name filter first, then the classes the agent's build wove
 * ({@link PreWoven}), then the adapters' rules and Byte Buddy's advice, applied with ASM to the class file as it is
 * (no members added, so classes can be retransformed; methods without advice are copied as they are). Byte Buddy's
 * own agent builder would do the same, but on every start it first generates a subclass of its transformer for the
 * Java 9 module API, which loads several hundred Byte Buddy classes and took about 100 ms of the application's
 * start-up. Here the adapters' rules are built when a class first needs them (off the application's thread at
 * start-up when there are no pre-woven classes, {@link #rules}), and nothing of Byte Buddy's weaving runs until a
 * class passes the name filter and is not pre-woven.
 */
final class Weaver implements ClassFileTransformer {

    private static final long RULES_WAIT_SECONDS = 10;
    /** What {@link #preWoven} returns when the weaver is to weave the class itself. */
    private static final byte[] WEAVE_HERE = new byte[0];

    private final NameFilter filter;
    /** The adapters' rules, built once by whichever thread needs them first (usually {@link WarmUp}'s). */
    private final FutureTask<List<Weaving.Rule>> rules;
    /** Set once a class load waited the whole {@link #RULES_WAIT_SECONDS} for the rules. */
    private volatile boolean gaveUp;
    /** A class loaded while this thread weaves (a class loader's own, reading a class file) is not woven. */
    private final ThreadLocal<Boolean> weaving = new ThreadLocal<>();
    /** Classes the agent's build wove; null when there are none or they do not apply. */
    private final PreWoven preWoven;

    Weaver(NameFilter filter, Callable<List<Weaving.Rule>> rules, PreWoven preWoven) {
        this.filter = filter;
        this.preWoven = preWoven;
        this.rules = new FutureTask<>(new Callable<List<Weaving.Rule>>() { // not a lambda: see Agent.Rules
            @Override
            public List<Weaving.Rule> call() throws Exception {
                boolean outermost = weaving.get() == null; // else a class load is building them, inside transform
                if (outermost) {
                    weaving.set(Boolean.TRUE);
                }
                try {
                    long start = System.nanoTime();
                    List<Weaving.Rule> built = rules.call();
                    Log.debug("weave", "rules=" + built.size() + " took=" + Settings.millis(System.nanoTime() - start) + "ms");
                    return built;
                } finally {
                    if (outermost) {
                        weaving.remove();
                    }
                }
            }
        });
    }

    /**
     * Builds the rules if no thread has yet, else waits for them. A failure here means nothing can be woven: it is
     * logged once and every class is left as it is. The wait is bounded, once for all class loads (after a time-out
     * none waits again), and not cut short by an interrupt: a class load is no place to give up weaving a pool.
     */
    List<Weaving.Rule> rules() {
        rules.run();
        if (gaveUp && !rules.isDone()) {
            return Collections.emptyList();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(RULES_WAIT_SECONDS);
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return rules.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Log.warnOnce("weave/rules", "hook.failed", "agent hook=weave error=" + Log.describe(e.getCause())
                + " action=nothing woven");
            return Collections.emptyList();
        } catch (TimeoutException e) {
            gaveUp = true;
            Log.warnOnce("weave/rules-wait", "hook.failed", "agent hook=weave error=rules not built after "
                + RULES_WAIT_SECONDS + " s action=classes loaded until they are left unchanged");
            return Collections.emptyList();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                            byte[] bytes) {
        if (!filter.mayMatch(name) || weaving.get() != null) {
            return null;
        }
        weaving.set(Boolean.TRUE);
        try {
            if (redefined == null && preWoven != null) {
                // Before the filter's supertype check, which a fitting entry makes unnecessary.
                byte[] found = preWoven(loader, name, bytes);
                if (found != WEAVE_HERE) {
                    return found == null || AgentVisibility.from(loader) ? found : null;
                }
            }
            if (!filter.poolClassesKnown()) {
                rules(); // they name the pool classes the filter passes
            }
            if (!filter.isCandidate(name, loader, bytes) || !AgentVisibility.from(loader)) {
                return null;
            }
            List<Weaving.Rule> all = rules();
            return all.isEmpty() ? null : weave(all, loader, name.replace('/', '.'), redefined, bytes);
        } catch (Throwable t) {
            Log.warnOnce("weave/" + name, "hook.failed", name.replace('/', '.') + " hook=weave error=" + Log.describe(t)
                + " action=class left unchanged");
            return null;
        } finally {
            weaving.remove();
        }
    }

    /**
     * The class's pre-woven bytes, or null when the build left it as it is; {@link #WEAVE_HERE} when no entry fits or
     * reading one failed, and the weaver is to weave the class itself.
     */
    private byte[] preWoven(ClassLoader loader, String name, byte[] bytes) {
        long start = System.nanoTime();
        try {
            PreWoven.Entry e = preWoven.find(loader, name, bytes);
            if (e == null) {
                return WEAVE_HERE;
            }
            byte[] woven = e.woven < 0 ? null : preWoven.woven(e);
            if (woven != null) {
                ConnectionClasses.wovenAtLoad(loader, name);
                if (Log.debugEnabled()) {
                    Log.debug("weave", name.replace('/', '.') + " loader=" + loader.getClass().getName()
                        + " prewoven=true took=" + Settings.millis(System.nanoTime() - start) + "ms");
                }
            }
            return woven;
        } catch (IOException | RuntimeException t) {
            Log.warnOnce("weave/prewoven", "hook.failed", name.replace('/', '.') + " hook=prewoven error="
                + Log.describe(t) + " action=woven at run time");
            return WEAVE_HERE;
        }
    }

    static byte[] weave(List<Weaving.Rule> rules, ClassLoader loader, String name, Class<?> redefined, byte[] bytes) {
        long start = System.nanoTime();
        ClassFileLocator locator = new ClassFileLocator.Compound(ClassFileLocator.Simple.of(name, bytes),
            ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = LenientTypePool.over(locator);
        TypeDescription type = pool.describe(name).resolve();
        // As Byte Buddy's type builder offered them: not bridges and other synthetic virtual methods, whose advice
        // would run a second time around the method they call (MariaDB's NonRegisteringDriver bridges connect).
        MethodList<MethodDescription.InDefinedShape> declared = type.getDeclaredMethods()
            .filter(not(isVirtual().and(isSynthetic())));
        List<Weaving.MethodAdvice> applied = new ArrayList<>();
        for (Weaving.MethodAdvice a : adviceFor(rules, type, loader, redefined)) {
            if (!declared.filter(a.methods).isEmpty()) {
                applied.add(a);
            }
        }
        if (applied.isEmpty()) {
            return null; // no rule matched, or e.g. a Driver subclass that inherits connect: nothing to rewrite
        }
        AsmVisitorWrapper.ForDeclaredMethods advice = new AsmVisitorWrapper.ForDeclaredMethods();
        // One pool for all the advice of this class read through the same locator (the agent jar's, or the renamed
        // one of a repackaged pool, see RelocatedAdvice), so the types they name are read once.
        TypePool advicePool = null;
        ClassFileLocator advicePoolReads = null;
        for (Weaving.MethodAdvice a : applied) {
            // The advice class is read with the woven class's loader behind it, for the pool types it names.
            ClassFileLocator adviceLocator = new ClassFileLocator.Compound(a.locator, ClassFileLocator.ForClassLoader.of(loader));
            if (advicePool == null || advicePoolReads != a.locator) {
                advicePool = AgentBuilder.PoolStrategy.Default.FAST.typePool(adviceLocator, loader);
                advicePoolReads = a.locator;
            }
            advice = advice.invokable(a.methods, Advice.to(advicePool.describe(a.adviceClass).resolve(), adviceLocator)
                .withExceptionHandler(a.exceptionHandler));
        }
        int writerFlags = advice.mergeWriter(AsmVisitorWrapper.NO_FLAGS);
        int readerFlags = advice.mergeReader(AsmVisitorWrapper.NO_FLAGS);
        if ((writerFlags & ClassWriter.COMPUTE_FRAMES) != 0) {
            throw new IllegalStateException("advice asks for frames to be computed, which would load classes");
        }
        // Straight through ASM rather than a Byte Buddy type builder: a writer made from the reader copies every
        // method no advice applies to as it is, without reading its code, and nothing else of the class is touched.
        ClassReader reader = OpenedClassReader.of(bytes);
        ClassWriter writer = new ClassWriter(reader, writerFlags);
        ClassFileVersion version = ClassFileVersion.ofClassFile(bytes);
        Implementation.Context context = Implementation.Context.Disabled.Factory.INSTANCE.make(type, null,
            TypeInitializer.None.INSTANCE, version, version);
        reader.accept(advice.wrap(type, writer, context, pool, type.getDeclaredFields(), declared, writerFlags,
            readerFlags), readerFlags);
        byte[] woven = writer.toByteArray();
        Log.debug("weave", name + " loader=" + (loader == null ? "bootstrap" : loader.getClass().getName())
            + (redefined != null ? " retransformed=true" : "") + " took=" + Settings.millis(System.nanoTime() - start) + "ms");
        return woven;
    }

    /** The advice of every rule that matches the class, as Byte Buddy's agent builder applied them. */
    private static List<Weaving.MethodAdvice> adviceFor(List<Weaving.Rule> rules, TypeDescription type,
                                                        ClassLoader loader, Class<?> redefined) {
        List<Weaving.MethodAdvice> found = new ArrayList<>();
        for (Weaving.Rule rule : rules) {
            if (rule.matcher.matches(type, loader, redefined)) {
                found.addAll(rule.advice);
            }
        }
        return found;
    }

    /**
     * Attached to a running JVM: weaves the pool and driver classes already loaded. Each is retransformed on its own,
     * so one that cannot be leaves the others woven.
     */
    void weaveLoaded(Instrumentation inst) {
        List<Weaving.Rule> all = rules();
        List<Class<?>> candidates = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            String name = c.getName().replace('.', '/');
            if (!c.isArray() && !c.isPrimitive() && filter.mayMatch(name) && filter.isCandidate(name)
                && inst.isModifiableClass(c) && matchesLoaded(all, c)) {
                candidates.add(c);
            }
        }
        for (Class<?> c : candidates) {
            try {
                inst.retransformClasses(c);
            } catch (Throwable t) {
                Log.warnOnce("weave/" + c.getName(), "hook.failed", c.getName() + " hook=weave error="
                    + Log.describe(t) + " action=class left unchanged");
            }
        }
    }

    private static boolean matchesLoaded(List<Weaving.Rule> rules, Class<?> c) {
        try {
            ClassLoader loader = c.getClassLoader();
            TypePool pool = LenientTypePool.over(ClassFileLocator.ForClassLoader.of(loader));
            return !adviceFor(rules, pool.describe(c.getName()).resolve(), loader, c).isEmpty();
        } catch (Throwable t) {
            return false; // its class file cannot be read: it cannot be woven either
        }
    }
}
