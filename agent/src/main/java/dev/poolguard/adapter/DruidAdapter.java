package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.alibaba.druid.pool.DruidConnectionHolder;
import com.alibaba.druid.pool.DruidDataSource;
import com.alibaba.druid.pool.DruidPooledConnection;
import com.alibaba.druid.proxy.jdbc.ConnectionProxy;
import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import net.bytebuddy.asm.Advice;

/**
 * Alibaba Druid 1.1.10 to 1.2.x. Druid validates a borrow only after a minute idle (and never for MariaDB, which
 * has no checker by default), so the agent pings after Druid's own check and bounds that check, which has no
 * timeout by default. Evicts and retires through {@code DruidDataSource.discardConnection}. With filters
 * configured, a holder's connection is Druid's {@code ConnectionProxy}; the physical one is its raw object
 * (and since 1.2 it may also sit inside a {@code DruidStatementConnection}, which {@code unwrap} sees through).
 */
final class DruidAdapter extends PoolAdapter {

    static final String ID = "druid";

    DruidAdapter() {
        super(ID, "com.alibaba.druid.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("com.alibaba.druid.pool.DruidDataSource"))
            .transform(advice(Hook.BORROW, named("getConnectionDirect").and(takesArguments(long.class)), "Borrow"))
            .transform(advice(Hook.RETURN, named("recycle").and(takesArguments(1))
                .and(takesArgument(0, named("com.alibaba.druid.pool.DruidPooledConnection"))), "Return"))
            .type(poolClass("com.alibaba.druid.pool.DruidAbstractDataSource"))
            .transform(advice(Hook.VALIDATE, named("testConnectionInternal").and(takesArguments(2)), "Validate"));
    }

    /** Only with {@code maxWait} set (the default waits forever). */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "com.alibaba.druid.pool.GetConnectionTimeoutException");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getMaxActive"));
    }

    /** recycle rolls back, and DruidConnectionHolder.reset restores autocommit, read-only and isolation. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_AUTOCOMMIT | RESETS_READ_ONLY | RESETS_ISOLATION | RESETS_ROLLBACK;
    }

    /** A name the app set; unnamed pools answer {@code DataSource-<identity hash>}. */
    @Override
    protected String poolName(Object pool) {
        Object name = read(pool, "getName");
        return name == null || name.equals("DataSource-" + System.identityHashCode(pool)) ? null : name.toString();
    }

    /**
     * {@code getConnectionDirect} is the end of Druid's filter chain and holds Druid's own borrow loop, so its
     * exit comes after Druid's validation. {@code discardConnection(DruidConnectionHolder)} returns void before
     * 1.2.21 and boolean since, and is missing before 1.1.21: it is looked up by name, on this rare path only.
     */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This DruidDataSource pool, @Advice.Argument(0) long maxWait, @Advice.Enter Object context,
                         @Advice.FieldValue("activeConnections") Map<DruidPooledConnection, Object> active,
                         @Advice.FieldValue("activeConnectionLock") ReentrantLock activeLock,
                         @Advice.Return(readOnly = false) DruidPooledConnection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws Exception {
            try {
                DruidConnectionHolder holder = lease == null || context == null ? null : lease.getConnectionHolder();
                if (holder != null) {
                    Connection physical = holder.getConnection();
                    if (physical instanceof ConnectionProxy) {
                        physical = ((ConnectionProxy) physical).getRawObject();
                    }
                    physical = physical.unwrap(Connection.class); // 1.2.x wraps it in DruidStatementConnection
                    if (!Hooks.borrowExit(ID, context, pool, physical)) {
                        if (lease.isTraceEnable()) { // removeAbandoned tracks it: untrack it as recycle() would
                            activeLock.lock();
                            try {
                                active.remove(lease);
                                lease.setTraceEnable(false);
                            } finally {
                                activeLock.unlock();
                            }
                        }
                        lease.disable(); // never handed out: a close() of it is a no-op
                        try {
                            DruidDataSource.class.getMethod("discardConnection", DruidConnectionHolder.class)
                                .invoke(pool, holder);
                        } catch (NoSuchMethodException beforeHolderDiscard) {
                            DruidDataSource.class.getMethod("discardConnection", Connection.class)
                                .invoke(pool, holder.getConnection());
                        }
                        try {
                            lease = pool.getConnectionDirect(maxWait);
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
     * Retiring replaces {@code recycle}'s body: run, it would reset and pool the connection, and on a discarded
     * one its {@code clearWarnings} throws and logs "recycle error". Only what it does before pooling is kept.
     */
    static final class Return {
        @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
        static boolean enter(@Advice.This DruidDataSource pool, @Advice.Argument(0) DruidPooledConnection pooled,
                             @Advice.FieldValue("activeConnections") Map<DruidPooledConnection, Object> active,
                             @Advice.FieldValue("activeConnectionLock") ReentrantLock activeLock) throws Exception {
            DruidConnectionHolder holder = pooled == null ? null : pooled.getConnectionHolder();
            if (holder == null) {
                return false;
            }
            Connection physical = holder.getConnection();
            if (physical instanceof ConnectionProxy) {
                physical = ((ConnectionProxy) physical).getRawObject();
            }
            try {
                physical = physical.unwrap(Connection.class);
            } catch (SQLException closed) {
                // The driver marked it closed (its session ended while leased, which Druid does not count fatal for
                // PostgreSQL), so unwrap throws; the lease must still end here. 1.2 holds it inside a
                // DruidStatementConnection, whose getConnection names it (looked up on this rare path only).
                if (physical.getClass().getName().equals("com.alibaba.druid.pool.DruidStatementConnection")) {
                    physical = (Connection) physical.getClass().getMethod("getConnection").invoke(physical);
                }
            }
            if (!Hooks.returning(ID, physical) || holder.isDiscard()) {
                return false; // pooled as usual, or Druid already discarded it after a fatal error
            }
            if (pooled.isTraceEnable()) {
                activeLock.lock();
                try {
                    active.remove(pooled);
                    pooled.setTraceEnable(false);
                } finally {
                    activeLock.unlock();
                }
            }
            holder.clearStatementCache(); // as recycle() does before it discards a connection it cannot reset
            try {
                DruidDataSource.class.getMethod("discardConnection", DruidConnectionHolder.class).invoke(pool, holder);
            } catch (NoSuchMethodException beforeHolderDiscard) {
                DruidDataSource.class.getMethod("discardConnection", Connection.class).invoke(pool, holder.getConnection());
            }
            return true;
        }
    }

    /**
     * Druid's check of one connection ({@code testOnBorrow}, {@code testWhileIdle}, keep-alive, shrink). With no
     * {@code validConnectionChecker} and no {@code validationQuery} it answers true without asking the database.
     */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(1) Connection connection) throws SQLException {
            Connection physical = connection instanceof ConnectionProxy
                ? ((ConnectionProxy) connection).getRawObject() : connection;
            return Hooks.validateEnter(ID, physical.unwrap(Connection.class));
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return boolean valid,
                         @Advice.FieldValue("validConnectionChecker") Object checker,
                         @Advice.FieldValue("validationQuery") String query) {
            Hooks.validateExit(token, checker != null || query != null || !valid, valid);
        }
    }
}
