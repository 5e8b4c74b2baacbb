package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import net.bytebuddy.asm.Advice;
import org.jboss.jca.core.connectionmanager.listener.ConnectionListener;
import org.jboss.jca.core.connectionmanager.pool.mcp.ManagedConnectionPool;

/**
 * IronJacamar 1.5 (WildFly 26, {@code javax.resource}) and 3.0 (WildFly 27 and later, {@code jakarta.resource}):
 * the pool behind every WildFly and JBoss EAP datasource. It validates a connection it hands out only with
 * {@code validate-on-match} set, and the default is off (background validation, when set, runs every few minutes),
 * so the agent pings; and without an {@code exception-sorter} (none by default) a connection that failed in the
 * application's hands goes back to the pool, so a kill or a database restart fails every later request until the pool
 * is flushed. With {@code validate-on-match}, the datasource's checker or {@code check-valid-connection-sql}, neither
 * of which has a timeout, is bounded instead, and its verdict spares the ping. The borrow point is the managed connection pool's {@code getConnection}, which returns the
 * {@code ConnectionListener} of one connection for the app's handle; both pool implementations WildFly can select
 * (the default {@code SemaphoreArrayListManagedConnectionPool}, and {@code SemaphoreConcurrentLinkedDeque...}) are
 * woven, and the leak-dumping one extends the first. A connection to evict goes back through the pool's own
 * {@code returnConnection(listener, kill=true)}, which frees its permit and destroys it; the pool's borrow then runs
 * again. A connection to retire at return gets {@code kill=true} the same way.
 *
 * <p>The advice names no {@code javax.resource} or {@code jakarta.resource} type, so one advice fits both lines: the
 * physical connection is read through {@link Physical} ({@code getManagedConnection()} returns one or the other).
 * Pools of other resource adapters (JMS) go through the same classes: their managed connections are not JDBC ones,
 * and the agent leaves them alone. The advice is inlined into WildFly's {@code org.jboss.ironjacamar.impl} module,
 * which sees the agent's classes only when {@code dev.poolguard} is among {@code jboss.modules.system.pkgs}: the
 * agent adds it at start-up. Attached to a running server it is too late, and the weaver leaves the modules alone.
 */
final class IronJacamarAdapter extends PoolAdapter {

    static final String ID = "ironjacamar";
    /** What the datasource's checker becomes when the configured one cannot be loaded: it asks nothing. */
    static final String NULL_CHECKER = "org.jboss.jca.adapters.jdbc.extensions.novendor.NullValidConnectionChecker";

    IronJacamarAdapter() {
        super(ID, "org.jboss.jca.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        for (String pool : new String[] {"SemaphoreArrayListManagedConnectionPool",
                "SemaphoreConcurrentLinkedDequeManagedConnectionPool"}) {
            weaving
                .type(poolClass("org.jboss.jca.core.connectionmanager.pool.mcp." + pool))
                .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(2)), "Borrow"))
                .transform(advice(Hook.RETURN, named("returnConnection").and(takesArguments(3)), "Return"));
        }
        weaving
            .type(poolClass("org.jboss.jca.adapters.jdbc.BaseWrapperManagedConnectionFactory"))
            .transform(advice(Hook.VALIDATE, named("isValidConnection").and(takesArguments(1)), "Validate"));
    }

    /** The pool's name, as the datasource's {@code pool-name} (or its JNDI name) sets it. */
    @Override
    protected String poolName(Object pool) {
        Object name = read(pool, "getName");
        return name instanceof String ? (String) name : null;
    }

    /** IJ000655: "No managed connections available within configured blocking timeout" (30 s by default). */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return (isA(thrown, "jakarta.resource.ResourceException") || isA(thrown, "javax.resource.ResourceException"))
            && String.valueOf(thrown.getMessage()).contains("blocking timeout");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "poolConfiguration", "getMaxSize"));
    }

    /**
     * The managed connection's cleanup puts autocommit (on), the isolation level and the read-only flag back to the
     * datasource's settings; it does not roll back (turning autocommit on commits), so the agent rolls back first.
     */
    @Override
    protected int resetsOnReturn() {
        return RESETS_AUTOCOMMIT | RESETS_READ_ONLY | RESETS_ISOLATION;
    }

    /**
     * One borrow context across the pool's claim: when the agent evicts the claimed connection, the method body runs
     * again (Byte Buddy's {@code repeatOn}) with the context entered once more, as a nested borrow, so the agent's
     * limit on replacements per borrow holds.
     */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.FieldValue("pool") Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class,
                             repeatOn = Advice.OnNonDefaultValue.class)
        static boolean exit(@Advice.This ManagedConnectionPool mcp, @Advice.FieldValue("pool") Object pool,
                            @Advice.Enter Object context, @Advice.Return ConnectionListener listener,
                            @Advice.Thrown Throwable thrown, @Advice.Local("nested") int nested) throws Throwable {
            boolean again = false;
            try {
                if (listener != null && context != null) {
                    Object physical = Physical.of(listener);
                    if (physical != null && !Hooks.borrowExit(ID, context, pool, physical)) {
                        mcp.returnConnection(listener, true); // destroyed, its permit freed
                        Hooks.borrowEnter(ID, pool);
                        nested++;
                        again = true;
                    }
                }
            } finally {
                if (!again) {
                    for (; nested > 0; nested--) {
                        Hooks.borrowDone(context);
                    }
                    Hooks.borrowFailed(ID, context, pool, thrown); // as the outermost borrow, as it is
                    Hooks.borrowDone(context);
                }
            }
            return again;
        }
    }

    /** The pool's own return, also when the app's handle reported a connection error (then kill is already true). */
    static final class Return {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) ConnectionListener listener,
                          @Advice.Argument(value = 1, readOnly = false) boolean kill) throws Throwable {
            if (listener != null) {
                Object physical = Physical.of(listener);
                if (physical != null && Hooks.returning(ID, physical)) {
                    kill = true;
                }
            }
        }
    }

    /**
     * The datasource's own check of one connection ({@code validate-on-match}, {@code background-validation}): its
     * valid-connection checker or {@code check-valid-connection-sql}, which has no timeout of its own. Without
     * either, the method answers valid without asking, which is no verdict: the agent still pings.
     */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Connection connection) {
            return Hooks.validateEnter(ID, connection);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.FieldValue("connectionChecker") Object checker,
                         @Advice.Return SQLException invalid, @Advice.Thrown Throwable thrown) {
            if (token != null) {
                boolean alive = invalid == null && thrown == null;
                boolean asked = !alive || checker != null && !checker.getClass().getName().equals(NULL_CHECKER);
                Hooks.validateExit(token, asked, alive);
            }
        }
    }

    /**
     * The physical {@code java.sql.Connection} of a connection listener: {@code getManagedConnection()}, then the JDBC
     * managed connection's {@code con} field ({@code BaseWrapperManagedConnection}, whose getter is package-private).
     * Read through method handles cached per class, so the borrow path neither allocates nor locks. Public, as the
     * advice inlined into IronJacamar calls it; {@code Object}, as the agent's classes see only {@code java.base}.
     */
    public static final class Physical {
        private static final String JDBC_MANAGED_CONNECTION = "org.jboss.jca.adapters.jdbc.BaseWrapperManagedConnection";

        private static final ClassValue<MethodHandle> MANAGED = new ClassValue<MethodHandle>() {
            @Override
            protected MethodHandle computeValue(Class<?> listener) {
                try {
                    Method m = listener.getMethod("getManagedConnection");
                    m.setAccessible(true);
                    return MethodHandles.lookup().unreflect(m).asType(MethodType.methodType(Object.class, Object.class));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return null;
                }
            }
        };

        /** Null for a managed connection of another resource adapter: not a JDBC pool. */
        private static final ClassValue<MethodHandle> CONNECTION = new ClassValue<MethodHandle>() {
            @Override
            protected MethodHandle computeValue(Class<?> managed) {
                for (Class<?> c = managed; c != null; c = c.getSuperclass()) {
                    if (c.getName().equals(JDBC_MANAGED_CONNECTION)) {
                        try {
                            Field con = c.getDeclaredField("con");
                            con.setAccessible(true);
                            return MethodHandles.lookup().unreflectGetter(con)
                                .asType(MethodType.methodType(Object.class, Object.class));
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            throw new IllegalStateException(JDBC_MANAGED_CONNECTION + ".con unreadable", e);
                        }
                    }
                }
                return null;
            }
        };

        private Physical() {
        }

        /** The physical connection behind {@code listener}, or null when its pool is not a JDBC one. */
        public static Object of(Object listener) throws Throwable {
            MethodHandle managed = MANAGED.get(listener.getClass());
            if (managed == null) {
                throw new IllegalStateException(listener.getClass().getName() + " has no getManagedConnection()");
            }
            Object mc = (Object) managed.invokeExact(listener);
            MethodHandle con = mc == null ? null : CONNECTION.get(mc.getClass());
            return con == null ? null : (Object) con.invokeExact(mc);
        }
    }
}
