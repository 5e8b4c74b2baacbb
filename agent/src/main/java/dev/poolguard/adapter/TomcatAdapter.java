package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import net.bytebuddy.asm.Advice;
import org.apache.tomcat.jdbc.pool.ConnectionPool;
import org.apache.tomcat.jdbc.pool.PoolConfiguration;
import org.apache.tomcat.jdbc.pool.PooledConnection;

/**
 * Tomcat JDBC 9 to 11. It hands out JDK proxies and does not validate by default, so the agent pings. There is
 * no public evict: a connection marked discarded is released instead of pooled when it comes back, so eviction
 * is {@code setDiscarded(true)} and close. When the app turns validation on, the agent bounds it and does not
 * ping the same borrow twice.
 */
final class TomcatAdapter extends PoolAdapter {

    static final String ID = "tomcat";

    TomcatAdapter() {
        super(ID, "org.apache.tomcat.jdbc.pool.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("org.apache.tomcat.jdbc.pool.ConnectionPool"))
            .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(0)), "Borrow"))
            .transform(advice(Hook.RETURN, named("returnConnection").and(takesArguments(1))
                .and(takesArgument(0, named("org.apache.tomcat.jdbc.pool.PooledConnection"))), "Return"))
            .type(poolClass("org.apache.tomcat.jdbc.pool.PooledConnection"))
            .transform(advice(Hook.VALIDATE, named("validate").and(takesArguments(int.class, String.class)), "Validate"));
    }

    /** "Timeout: Pool empty. Unable to fetch a connection in N seconds" ({@code maxWait}, 30 s by default). */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "org.apache.tomcat.jdbc.pool.PoolExhaustedException");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getPoolProperties", "getMaxActive"));
    }

    /** Nothing by default: no rollback, and state is reset only with the ConnectionState interceptor. */
    @Override
    protected int resetsOnReturn() {
        return 0;
    }

    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This ConnectionPool pool, @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws Exception {
            try {
                if (lease != null && context != null) {
                    PooledConnection pooled = lease.unwrap(PooledConnection.class);
                    if (!Hooks.borrowExit(ID, context, pool, pooled.getConnection())) {
                        pooled.setDiscarded(true);
                        lease.close();
                        try {
                            lease = pool.getConnection();
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

    static final class Return {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) PooledConnection pooled) {
            if (pooled != null && Hooks.returning(ID, pooled.getConnection())) {
                pooled.setDiscarded(true);
            }
        }
    }

    /**
     * Tomcat's validate returns true without validating when validation is off: only a new timestamp counts. It is
     * called on every borrow; with every kind of validation off (the default) it returns at once, so there is no
     * validation to bound and the guard is skipped.
     */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This PooledConnection pooled, @Advice.FieldValue("lastValidated") long lastValidated,
                            @Advice.Local("before") long before) {
            before = lastValidated;
            PoolConfiguration settings = pooled.getPoolProperties();
            if (!settings.isTestOnBorrow() && !settings.isTestOnReturn() && !settings.isTestWhileIdle()
                    && !settings.isTestOnConnect() && settings.getInitSQL() == null) {
                return null;
            }
            return Hooks.validateEnter(ID, pooled.getConnection());
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This PooledConnection pooled, @Advice.Enter Object token,
                         @Advice.FieldValue("lastValidated") long lastValidated, @Advice.Local("before") long before,
                         @Advice.Return boolean valid) {
            Hooks.validateExit(token, lastValidated != before || (!valid && !pooled.isDiscarded()), valid);
        }
    }
}
