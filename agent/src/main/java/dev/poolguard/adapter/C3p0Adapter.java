package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.mchange.v2.c3p0.ConnectionTester;
import com.mchange.v2.c3p0.impl.NewPooledConnection;
import com.mchange.v2.c3p0.util.ConnectionEventSupport;
import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import net.bytebuddy.asm.Advice;

/**
 * c3p0 0.9.5.5 to 0.14.x ({@code ComboPooledDataSource}, {@code PooledDataSource}). c3p0 does not test a checkout
 * by default, so the agent pings. There is no public per-connection evict; c3p0's own one is the JDBC
 * {@code connectionErrorOccurred} event, which makes the pool mark the connection broken and destroy it when it is
 * checked in. So eviction closes the physical connection and then the proxy, and the return hook raises that event
 * for a connection the agent retires, and for one found closed when a lease ends. When the app turns testing on, the
 * agent bounds it.
 */
final class C3p0Adapter extends PoolAdapter {

    static final String ID = "c3p0";

    C3p0Adapter() {
        super(ID, "com.mchange.v2.c3p0.", "com.mchange.v2.resourcepool.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("com.mchange.v2.c3p0.impl.AbstractPoolBackedDataSource"))
            .transform(advice(Hook.BORROW, named("getConnection")
                .and(takesArguments(0).or(takesArguments(String.class, String.class))), "Borrow"))
            // markClosedProxyConnection(NewProxyConnection, boolean) before 0.11, (AbstractNewProxyConnection, boolean) since
            .type(poolClass("com.mchange.v2.c3p0.impl.NewPooledConnection"))
            .transform(advice(Hook.RETURN, named("markClosedProxyConnection").and(takesArguments(2)), "Return"))
            .transform(advice(Hook.RETURN, named("cleanupUnclosedResultSetsSet").and(takesArguments(2)), "SkipEmptyResultSets"))
            .transform(advice(Hook.RETURN, named("cleanupUncachedStatements").and(takesArguments(1)), "SkipEmptyStatements"))
            .type(poolClass("com.mchange.v2.c3p0.impl.C3P0PooledConnectionPool$1PooledConnectionResourcePoolManager"))
            .transform(advice(Hook.VALIDATE, named("testPooledConnection").and(takesArguments(2)), "Validate"))
            .transform(advice(Hook.RETURN, named("refurbishResourceOnCheckin").and(takesArguments(1)), "CheckIn"));
    }

    /** Only with {@code checkoutTimeout} set (the default waits forever): c3p0's resource-pool timeout. */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown.getCause(), "com.mchange.v2.resourcepool.TimeoutException");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getMaxPoolSize"));
    }

    /** NewPooledConnection.reset rolls back and restores autocommit, isolation, catalog and read-only; not the schema. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_ALL & ~RESETS_SCHEMA;
    }

    /** The configured {@code dataSourceName}; unnamed pools report their identity token instead, not worth logging. */
    @Override
    protected String poolName(Object pool) {
        Object name = read(pool, "getDataSourceName");
        return name == null || name.equals(read(pool, "getIdentityToken")) ? null : name.toString();
    }

    /** {@code getConnection()} and {@code getConnection(user, password)}: the re-borrow repeats the same call. */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This DataSource pool, @Advice.AllArguments Object[] args, @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws Throwable {
            try {
                if (lease != null && context != null) {
                    Connection physical = (Connection) Physical.of(lease);
                    if (physical == null) {
                        physical = lease.unwrap(Connection.class);
                    }
                    if (!Hooks.borrowExit(ID, context, pool, physical)) {
                        try {
                            physical.close();
                        } catch (SQLException ignored) {
                            // It is being thrown away; the return hook finds it closed or retired either way.
                        }
                        lease.close();
                        try {
                            lease = args.length == 0 ? pool.getConnection()
                                : pool.getConnection((String) args[0], (String) args[1]);
                        } catch (Throwable t) {
                            lease = null;
                            thrown = t;
                        }
                    }
                }
            } finally {
                Hooks.borrowFailed(ID, context, pool, thrown);
                Hooks.borrowDone(context);
            }
        }
    }

    /**
     * The physical connection inside c3p0's proxy, read from the proxy's {@code inner} field (declared by
     * {@code NewProxyConnection} before 0.10, by {@code AbstractNewProxyConnection} since). {@code unwrap} would take
     * the proxy's lock and then pgjdbc's (its {@code isClosed}), which c3p0's asynchronous check-in keeps taking on its
     * helper threads: that cost about a quarter of a microsecond a borrow. Public, as the borrow advice inlined into
     * c3p0 calls it; {@code Object}, as the agent's classes see only {@code java.base}.
     */
    public static final class Physical {
        private static final ClassValue<MethodHandle> INNER = new ClassValue<MethodHandle>() {
            @Override
            protected MethodHandle computeValue(Class<?> proxy) {
                for (Class<?> c = proxy; c != null; c = c.getSuperclass()) {
                    try {
                        Field inner = c.getDeclaredField("inner");
                        if (!inner.getType().getName().equals("java.sql.Connection")) {
                            return null;
                        }
                        inner.setAccessible(true);
                        return MethodHandles.lookup().unreflectGetter(inner)
                            .asType(MethodType.methodType(Object.class, Object.class));
                    } catch (NoSuchFieldException e) {
                        // declared higher up
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        return null; // e.g. a module that does not open c3p0: the advice unwraps, as before
                    }
                }
                return null;
            }
        };

        private Physical() {
        }

        /** The proxy's physical connection, or null if it cannot be read so (the advice then unwraps). */
        public static Object of(Object lease) throws Throwable {
            MethodHandle inner = INNER.get(lease.getClass());
            return inner == null ? null : (Object) inner.invokeExact(lease);
        }
    }

    /**
     * Runs before c3p0 resets the connection and checks it in. Raising {@code connectionErrorOccurred} with the
     * status set to invalid is what c3p0 does itself for a broken connection: the pool excludes it, and the
     * check-in that follows destroys it (closes the physical connection) instead of pooling it. This also runs when
     * c3p0 closes a proxy it opened itself, which is no lease of the app's: at every check-in (to clear the
     * connection's warnings, unless a {@code ConnectionCustomizer} is set, and to test it when asked), when it
     * acquires a connection (to clear its warnings), and to test one elsewhere. During that connection's check-in
     * ({@link CheckIn}) the advice does nothing at all: an error event raised there would not reach the pool anyway,
     * which stops listening to a connection at its check-in and listens again from its next checkout, where the agent
     * evicts a connection it retired meanwhile.
     * Elsewhere, unless the agent retired the connection, it does nothing rather than ask the driver whether it is
     * closed; c3p0's own reset and test then find a closed one, as they do without the agent.
     */
    static final class Return {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object pooled,
                          @Advice.FieldValue("physicalConnection") Connection physical,
                          @Advice.FieldValue(value = "connection_status", readOnly = false) int status,
                          @Advice.FieldValue("ces") ConnectionEventSupport events) throws SQLException {
            int lease = Hooks.returningLease(ID, physical, pooled);
            if (lease == Hooks.RETIRE || lease == Hooks.POOL && physical.isClosed()) {
                if (status == ConnectionTester.CONNECTION_IS_OKAY) {
                    status = ConnectionTester.CONNECTION_IS_INVALID;
                }
                events.fireConnectionErrorOccurred(new SQLException("retired by poolguard", "08003"));
            }
        }
    }

    /**
     * c3p0's check-in of one connection ({@code NewPooledConnection}), on a helper thread, or on the app's with
     * {@code forceSynchronousCheckins}: c3p0's own work on it, where the proxies it opens and closes are no lease of
     * the app's (see {@link Return}). The mark names that connection, so a lease of another one, taken and closed by
     * code running inside the check-in (a {@code ConnectionCustomizer}, a connection tester, a logger writing to a
     * database through c3p0), still ends.
     */
    static final class CheckIn {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Object pooled) {
            return Hooks.poolWorkEnter(pooled);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object previous) {
            Hooks.poolWorkExit(previous);
        }
    }

    /**
     * c3p0's check-in closes what the borrower left open by iterating sets that are almost always empty. Iterating an
     * empty set allocates nothing once C2 has scalar-replaced the iterator, which it cannot do when the JDK-wide
     * {@code HashSet.iterator()} was profiled seeing a {@code LinkedHashSet} too: any start-up code, the agent's
     * weaving included, can make that method hot early enough to record the JDK's own start-up iterations (about
     * 140 B more garbage per check-in, BENCHMARKS.md). Skipping the loop over an empty set does exactly what the loop
     * does (these methods do nothing else) without an iterator.
     */
    static final class SkipEmptyResultSets {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static boolean enter(@Advice.Argument(0) java.util.Set<?> resultSets) {
            return resultSets.isEmpty();
        }
    }

    /** As {@link SkipEmptyResultSets}, for the statements a borrower left open outside c3p0's statement cache. */
    static final class SkipEmptyStatements {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static boolean enter(@Advice.FieldValue("uncachedActiveStatements") java.util.Set<?> statements) {
            return statements.isEmpty();
        }
    }

    /**
     * c3p0's test of a checkout, check-in or idle connection; it throws when the connection fails. The physical
     * connection is package-private in c3p0, so the advice, inlined into c3p0's own package, looks it up there.
     */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Object resource) throws Throwable {
            if (!(resource instanceof NewPooledConnection)) {
                return null;
            }
            // invokeWithArguments, not invoke: c3p0 0.9.5.5 is Java 6 bytecode, older than signature-polymorphic calls
            Connection physical = (Connection) MethodHandles.lookup()
                .findVirtual(NewPooledConnection.class, "getPhysicalConnection", MethodType.methodType(Connection.class))
                .invokeWithArguments(resource);
            return Hooks.validateEnter(ID, physical);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable failure) {
            Hooks.validateExit(token, true, failure == null);
        }
    }
}
