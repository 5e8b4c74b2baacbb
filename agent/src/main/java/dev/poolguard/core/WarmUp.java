package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.named;

import net.bytebuddy.ByteBuddy;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;

/**
 * The first class the agent weaves pays for loading and running, still interpreted, the thousand or so Byte Buddy
 * and ASM classes that weaving uses; that lands on the application's thread the first time it builds a pool. At
 * start-up a daemon thread weaves a small class of the agent's own, never loaded, so that the cost is paid beside the
 * application's own start-up instead. It changes nothing, and a failure only means no warm-up.
 */
final class WarmUp {

    private WarmUp() {
    }

    static void start(ClassFileLocator agentJar) {
        Thread t = new Thread(() -> run(agentJar), "poolguard-warmup");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    private static void run(ClassFileLocator agentJar) {
        try {
            long start = System.nanoTime();
            ClassFileLocator locator = new ClassFileLocator.Compound(agentJar, ClassFileLocator.ForClassLoader.ofBootLoader());
            TypePool pool = TypePool.Default.of(locator);
            TypeDescription target = pool.describe(Target.class.getName()).resolve();
            ElementMatchers.hasSuperType(named("java.lang.Runnable")).matches(target);
            new ByteBuddy().with(TypeValidation.DISABLED)
                .redefine(target, locator)
                .visit(Advice.to(pool.describe(Sample.class.getName()).resolve(), locator).on(named("run")))
                .make()
                .getBytes();
            Log.debug("warmup", "took=" + Settings.millis(System.nanoTime() - start) + "ms");
        } catch (Throwable e) {
            Log.debug("warmup", "failed error=" + Log.describe(e));
        }
    }

    /** Shaped like a pool method the adapters advise. Never loaded: only its class file is read. */
    static final class Target implements Runnable {
        private long state;

        @Override
        public void run() {
            state++;
        }

        Object borrow(long timeout) throws Exception {
            return timeout > state ? this : null;
        }
    }

    /** Shaped like the adapters' advice: entry value, arguments, return value, thrown, fields. */
    static final class Sample {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter(@Advice.This Object self, @Advice.Origin("#m") String method) {
            return System.nanoTime();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter long start, @Advice.Thrown(readOnly = false) Throwable thrown,
                         @Advice.FieldValue(value = "state", readOnly = false) long state) {
            if (thrown != null && start < 0) {
                thrown = null;
                state = 0;
            }
        }
    }
}
