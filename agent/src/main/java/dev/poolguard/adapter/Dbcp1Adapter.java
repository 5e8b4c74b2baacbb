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
import java.sql.Connection;
import net.bytebuddy.asm.Advice;
import org.apache.commons.dbcp.DelegatingConnection;
import org.apache.commons.dbcp.PoolableConnection;
import org.apache.commons.dbcp.PoolingDataSource;
import org.apache.commons.pool.ObjectPool;

/**
 * Apache Commons DBCP 1.2.2 to 1.4 ({@code commons-dbcp:commons-dbcp}, with {@code commons-pool} 1.5 or 1.6), through
 * {@code BasicDataSource}. DBCP 1 tests a borrow only with a {@code validationQuery} set (otherwise it only asks the
 * driver whether the connection is closed, which a dead socket does not change), so the agent pings; with a query
 * set, the agent bounds it, as DBCP 1.2 has no query timeout and 1.4 none by default. There is no public evict:
 * eviction is the pool's own {@code invalidateObject} on the {@code PoolableConnection}, which destroys it and frees
 * its slot. At return, a connection to retire is invalidated the same way instead of returned: DBCP 1.2's
 * {@code close} throws "Already closed" and leaks the slot when it finds the physical connection closed.
 */
final class Dbcp1Adapter extends PoolAdapter {

    static final String ID = "dbcp1";

    Dbcp1Adapter() {
        super(ID, "org.apache.commons.dbcp.", "org.apache.commons.pool.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("org.apache.commons.dbcp.PoolingDataSource"))
            .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(0)), "Borrow"))
            .type(poolClass("org.apache.commons.dbcp.PoolableConnection"))
            .transform(advice(Hook.RETURN, named("close").and(takesArguments(0)), "Return"))
            .type(poolClass("org.apache.commons.dbcp.PoolableConnectionFactory"))
            .transform(advice(Hook.VALIDATE, named("validateConnection").and(takesArguments(1)), "Validate"));
    }

    /** Only with {@code maxWait} set (the default waits forever): commons-pool's "Timeout waiting for idle object". */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown.getCause(), "java.util.NoSuchElementException")
            && String.valueOf(thrown.getCause().getMessage()).contains("Timeout waiting");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "_pool", "getMaxActive"));
    }

    /** passivateObject rolls back (unless read-only) and turns autocommit on; nothing else. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_AUTOCOMMIT | RESETS_ROLLBACK;
    }

    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object source) {
            return Hooks.borrowEnter(ID, source);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This PoolingDataSource source, @Advice.FieldValue("_pool") ObjectPool pool,
                         @Advice.Enter Object context, @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws Throwable {
            try {
                if (lease != null && context != null) {
                    DelegatingConnection pooled = (DelegatingConnection) Pooled.of(lease);
                    if (!Hooks.borrowExit(ID, context, source, pooled == null ? null : pooled.getInnermostDelegate())) {
                        pool.invalidateObject(pooled);
                        try {
                            lease = source.getConnection();
                        } catch (Throwable t) {
                            lease = null;
                            thrown = t;
                        }
                    }
                }
            } finally {
                Hooks.borrowFailed(ID, context, source, thrown);
                Hooks.borrowDone(context);
            }
        }
    }

    /** A connection to retire is invalidated instead of returned, and {@code close} itself is skipped. */
    static final class Return {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static boolean enter(@Advice.This PoolableConnection pooled, @Advice.FieldValue("_pool") ObjectPool pool)
                throws Exception {
            if (Hooks.returning(ID, pooled.getInnermostDelegate())) {
                pool.invalidateObject(pooled);
                return true;
            }
            return false;
        }
    }

    /** The pool's test query, when one is configured; without one DBCP 1 only asks {@code isClosed}. */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Connection connection, @Advice.FieldValue("_validationQuery") String query) {
            if (query == null || !(connection instanceof DelegatingConnection)) {
                return null;
            }
            return Hooks.validateEnter(ID, ((DelegatingConnection) connection).getInnermostDelegate());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable failure) {
            Hooks.validateExit(token, true, failure == null);
        }
    }

    /**
     * The {@code PoolableConnection} inside the lease DBCP 1 hands out: the private {@code delegate} field of its
     * guard wrapper, which answers {@code getDelegate} with null unless access to the underlying connection is
     * allowed (it is not by default), and has no JDBC 4 {@code unwrap} before 1.4. Public, as the borrow advice
     * inlined into DBCP calls it; {@code Object}, as the agent's classes see only {@code java.base}.
     */
    public static final class Pooled {
        private static final ClassValue<MethodHandle> DELEGATE = new ClassValue<MethodHandle>() {
            @Override
            protected MethodHandle computeValue(Class<?> wrapper) {
                try {
                    Field delegate = wrapper.getDeclaredField("delegate");
                    delegate.setAccessible(true);
                    return MethodHandles.lookup().unreflectGetter(delegate)
                        .asType(MethodType.methodType(Object.class, Object.class));
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return null; // not DBCP 1's guard wrapper: the borrow hook reports it and turns itself off
                }
            }
        };

        private Pooled() {
        }

        /** The pooled connection behind {@code lease}, or null when it cannot be read. */
        public static Object of(Object lease) throws Throwable {
            MethodHandle delegate = DELEGATE.get(lease.getClass());
            return delegate == null ? null : (Object) delegate.invokeExact(lease);
        }
    }
}
