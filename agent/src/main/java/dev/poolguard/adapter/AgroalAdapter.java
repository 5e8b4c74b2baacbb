package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import io.agroal.api.AgroalDataSourceListener;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration.ConnectionValidator;
import io.agroal.pool.ConnectionHandler;
import io.agroal.pool.ConnectionPool;
import io.agroal.pool.wrapper.ConnectionWrapper;
import io.agroal.pool.Pool;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import net.bytebuddy.asm.Advice;

/**
 * Agroal 2.0 to 3.x (Quarkus's pool). Agroal does not validate by default (and its default validator answers
 * valid without asking), so the agent pings. The check runs where the pool claims a connection
 * ({@code ConnectionHandler.acquire}), inside its borrow loop and before a JTA transaction is associated: an
 * evicted connection is flagged flush-only and removed the way Agroal removes one that failed validation, and the
 * claim fails, so the loop takes another one. With a validator that asks the database, the check moves after
 * Agroal's own validation, to {@code getConnection}'s exit, so a connection is not pinged twice. A connection
 * retired at return is flagged flush-only as well.
 */
final class AgroalAdapter extends PoolAdapter {

    static final String ID = "agroal";

    AgroalAdapter() {
        super(ID, "io.agroal.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("io.agroal.pool.ConnectionPool"))
            .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(0)), "Borrow"))
            .transform(advice(Hook.BORROW, named("getReadOnlyConnection").and(takesArguments(0)), "BorrowReadOnly"))
            .transform(advice(Hook.RETURN, named("returnConnectionHandler").and(takesArguments(1)), "Return"))
            .type(poolClass("io.agroal.pool.ConnectionHandler"))
            .transform(advice(Hook.BORROW, named("acquire").and(takesArguments(0)), "Acquire"))
            .transform(advice(Hook.VALIDATE, named("isValid").and(takesArguments(0)), "Validate"));
    }

    /** Only with {@code acquisitionTimeout} set (the default waits forever): "Sorry, acquisition timeout!". */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "java.sql.SQLException") && String.valueOf(thrown.getMessage()).contains("acquisition timeout");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getConfiguration", "maxSize"));
    }

    /** resetConnection restores the attributes but does not roll back: turning autocommit back on commits the half-done work, so the agent rolls back first. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_AUTOCOMMIT | RESETS_READ_ONLY | RESETS_ISOLATION;
    }

    /**
     * What Agroal does with a claimed connection that fails its validation: {@code removeFromPool} (private) and
     * the invalid-connection metric. Handing it back through {@code returnConnectionHandler} instead would count a
     * return of a connection Agroal never counted as active, and its {@code activeCount} would end at -1.
     */
    @Override
    protected boolean discardClaimed(Object pool, Object handler) throws ReflectiveOperationException {
        Method remove = pool.getClass().getDeclaredMethod("removeFromPool", handler.getClass()); // not in Poolless
        remove.setAccessible(true);
        remove.invoke(pool, handler);
        try {
            Object metrics = read(pool, "getMetrics");
            Method invalid = metrics.getClass().getMethod("afterConnectionInvalid");
            invalid.setAccessible(true);
            invalid.invoke(metrics);
        } catch (ReflectiveOperationException | RuntimeException metricOnly) {
            // The connection is out of the pool already; only Agroal's invalid count misses it.
        }
        return true;
    }

    /**
     * Holds one borrow context across Agroal's claim loop. Agroal 2.x claims from its shared cache without
     * {@code acquire()}, so the lease is also checked here; on 3.x {@code acquire()} already did, and this check
     * finds the connection just validated.
     */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This ConnectionPool pool, @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws SQLException {
            try {
                if (lease instanceof ConnectionWrapper && context != null) {
                    ConnectionHandler handler = ((ConnectionWrapper) lease).getHandler();
                    if (!Hooks.borrowExit(ID, context, pool, handler.rawConnection())) {
                        handler.setFlushOnly(); // closing the lease then removes it from the pool
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

    /** {@code getReadOnlyConnection} (3.x only, which claims through {@code acquire()}): the context only. */
    static final class BorrowReadOnly {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object context) {
            Hooks.borrowDone(context);
        }
    }

    /**
     * Agroal 3.x's claim. When the app configured a validator that asks the database, Agroal validates the claimed
     * connection right after this (if idle or set to validate on borrow): the check then waits for
     * {@code getConnection}'s exit, where that validation counts and no second ping is needed.
     */
    static final class Acquire {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This ConnectionHandler handler, @Advice.FieldValue("connectionPool") Pool pool,
                         @Advice.Return(readOnly = false) boolean acquired) throws SQLException {
            if (!acquired || pool.getConfiguration().connectionValidator().getClass()
                    != ConnectionValidator.emptyValidator().getClass()) {
                return;
            }
            Object context = Hooks.borrowEnter(ID, pool);
            try {
                if (context != null && !Hooks.borrowExit(ID, context, pool, handler.rawConnection())) {
                    handler.setFlushOnly();
                    if (Hooks.discardClaimed(ID, pool, handler)) {
                        for (AgroalDataSourceListener listener : pool.getListeners()) {
                            listener.onConnectionInvalid(handler.rawConnection());
                        }
                    } else {
                        pool.returnConnectionHandler(handler); // in FLUSH state: removed from the pool and destroyed
                    }
                    acquired = false;
                }
            } finally {
                Hooks.borrowDone(context);
            }
        }
    }

    /** Agroal's own way to drop a connection at return: flush-only makes the release fail, then it is removed. */
    static final class Return {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) ConnectionHandler handler) {
            if (handler != null && Hooks.returning(ID, handler.rawConnection())) {
                handler.setFlushOnly();
            }
        }
    }

    /**
     * Agroal's configured validator on one connection. The pool's default, {@code emptyValidator()}, answers true
     * without asking the database, so its "valid" is no verdict and the agent still pings; any other validator's
     * answer counts, so a pool set to validate does not get a second ping.
     */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This ConnectionHandler handler) {
            return Hooks.validateEnter(ID, handler.rawConnection());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.FieldValue("connectionPool") Pool pool, @Advice.Enter Object token,
                         @Advice.Return boolean valid) {
            if (token != null) {
                boolean asked = !valid || pool.getConfiguration().connectionValidator().getClass()
                    != ConnectionValidator.emptyValidator().getClass();
                Hooks.validateExit(token, asked, valid);
            }
        }
    }
}
