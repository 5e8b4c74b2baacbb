package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.zaxxer.hikari.pool.HikariPool;
import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import net.bytebuddy.asm.Advice;

/**
 * HikariCP 4.0.3 to 7.x. Hikari validates a borrow itself after 500 ms idle, so the agent does not ping again:
 * it bounds Hikari's validation ({@code isConnectionDead}, {@code isConnectionAlive} before 5.0) by the ping
 * timeout instead. Evicts through {@code HikariPool.evictConnection}; retires at return by marking the pool
 * entry evicted, which Hikari then closes itself.
 */
final class HikariAdapter extends PoolAdapter {

    static final String ID = "hikari";

    HikariAdapter() {
        super(ID, "com.zaxxer.hikari.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("com.zaxxer.hikari.pool.HikariPool"))
            .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(long.class)), "Borrow"))
            .type(poolClass("com.zaxxer.hikari.pool.PoolEntry"))
            .transform(advice(Hook.RETURN, named("recycle"), "Return"))
            .type(poolClass("com.zaxxer.hikari.pool.PoolBase"))
            .transform(advice(Hook.VALIDATE, named("isConnectionDead").and(takesArguments(1)).and(takesArgument(0, named("java.sql.Connection"))), "ValidateDead"))
            .transform(advice(Hook.VALIDATE, named("isConnectionAlive").and(takesArguments(1)).and(takesArgument(0, named("java.sql.Connection"))), "ValidateAlive"));
    }

    /** {@code HikariPool.createTimeoutException}: "... - Connection is not available, request timed out after ...". */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "java.sql.SQLTransientConnectionException")
            && String.valueOf(thrown.getMessage()).contains("Connection is not available");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "config", "getMaximumPoolSize"));
    }

    /** ProxyConnection.close rolls back dirty commit state and resets every property the borrower changed. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_ALL;
    }

    /** {@code PoolBase.toString()} is the pool name, {@code HikariPool-1} unless the app set one. */
    @Override
    protected String poolName(Object pool) {
        return pool.toString();
    }

    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This HikariPool pool, @Advice.Argument(0) long timeout, @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws Exception {
            try {
                if (lease != null && context != null && !Hooks.borrowExit(ID, context, pool, lease.unwrap(Connection.class))) {
                    pool.evictConnection(lease);
                    try {
                        lease = pool.getConnection(timeout);
                    } catch (Throwable t) {
                        lease = null;
                        thrown = t;
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
        static void enter(@Advice.FieldValue("connection") Connection physical,
                          @Advice.FieldValue(value = "evict", readOnly = false) boolean evict) {
            if (Hooks.returning(ID, physical)) {
                evict = true;
            }
        }
    }

    static final class ValidateDead {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Connection physical) {
            return Hooks.validateEnter(ID, physical);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return boolean dead) {
            Hooks.validateExit(token, true, !dead);
        }
    }

    static final class ValidateAlive {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Connection physical) {
            return Hooks.validateEnter(ID, physical);
        }

        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return boolean alive) {
            Hooks.validateExit(token, true, alive);
        }
    }
}
