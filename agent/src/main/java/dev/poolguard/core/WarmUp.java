package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.named;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * The start-up thread. It builds the weaver's rules, then weaves a small class of the agent's own, never loaded:
 * the first class the agent weaves pays for loading and running, still interpreted, the several hundred Byte Buddy
 * and ASM classes that weaving uses, and that would otherwise land on the application's thread the first time it
 * builds a pool. The warm-up changes nothing, and a failure only means no warm-up. It runs only with more than two
 * cores: on two, it competes with the application and the JIT compilers for the second core, and the test app's
 * start-up measured 20 to 40 ms faster without it (BENCHMARKS.md).
 */
final class WarmUp {

    private WarmUp() {
    }

    /** Builds the weaver's rules, then warms up; the application's thread waits for the rules only if it needs them. */
    static void start(Weaver weaver) {
        Thread t = new Thread(new Runnable() { // not a lambda: see Agent.Rules
            @Override
            public void run() {
                if (!weaver.rules().isEmpty() && Runtime.getRuntime().availableProcessors() > 2) {
                    WarmUp.run(PoolAdapter.adviceLocator);
                }
            }
        }, "poolguard-warmup");
        t.setDaemon(true);
        t.setContextClassLoader(null);
        t.start();
    }

    private static void run(ClassFileLocator agentJar) {
        try {
            long start = System.nanoTime();
            Weaving weaving = new Weaving()
                .type(ElementMatchers.hasSuperType(named("java.lang.Runnable")))
                .transform(new Weaving.MethodAdvice(named("run"), Sample.class.getName(), agentJar,
                    Advice.ExceptionHandler.Default.SUPPRESSING));
            String target = Target.class.getName();
            Weaver.weave(weaving.rules(), null, target, null, agentJar.locate(target).resolve());
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
