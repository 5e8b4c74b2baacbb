package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import net.bytebuddy.asm.Advice;

/**
 * Any JDBC driver's {@code connect}: the birth of every physical connection, pooled or not. Its age counts from
 * here. A connection no pool opened is a bare one ({@code DriverManager}, {@code Driver.connect}, a driver's own
 * DataSource) and is watched as one lease from open to close. Name filters keep the hierarchy checks to the
 * few classes called "...Driver..." or "...Connection...", and pools' own drivers (Druid's wrapping driver) and
 * connection proxies are left alone: the real driver underneath opens the physical connection. A
 * connection class is woven when its first connection is seen, not when the driver loads it.
 */
final class DriverAdapter extends PoolAdapter {

    static final String ID = "driver";

    DriverAdapter() {
        super(ID);
        weavesImplementationsNamedWith("java.sql.Driver", "Driver");
        weavesImplementationsNamedWith("java.sql.Connection", "Connection");
        weavesImplementationsNamedWith("java.sql.Statement", "Statement");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(nameContaining("Driver").and(not(isInterface())).and(outsidePools())
                .and(hasSuperType(named("java.sql.Driver"))))
            .transform(advice(Hook.CONNECT, named("connect").and(returns(hasSuperType(named("java.sql.Connection")))), "Connect"))
            .type(connectionClassInUse())
            .and(nameContaining("Connection").and(not(isInterface())).and(outsidePools())
                .and(hasSuperType(named("java.sql.Connection"))))
            .transform(advice(Hook.CONNECT, named("close").and(takesArguments(0)), "Close"))
            .transform(advice(Hook.VALIDATE, named("isValid").and(takesArguments(int.class)), "IsValid"))
            .transform(advice(Hook.DIAGNOSE, isPublic().and(namedOneOf("commit", "rollback", "setAutoCommit")),
                "ConnectionCall"))
            .transform(advice(Hook.STATE, isPublic().and(takesArguments(1)).and(namedOneOf("setAutoCommit",
                "setReadOnly", "setTransactionIsolation", "setCatalog", "setSchema")), "StateChange"))
            .type(nameContaining("Statement").and(not(isInterface())).and(outsidePools())
                .and(hasSuperType(named("java.sql.Statement"))))
            .transform(advice(Hook.DIAGNOSE, isPublic().and(namedOneOf("execute", "executeQuery", "executeUpdate",
                "executeBatch", "executeLargeUpdate", "executeLargeBatch")), "StatementCall"));
    }

    static final class Connect {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Connection connection) {
            Hooks.connected(ID, connection);
        }
    }

    /**
     * A guarded validation's {@code isValid(0)} (DBCP2's and Tomcat's default) would wait forever on a silent
     * socket, and some drivers cannot be aborted while they read: cap the timeout the driver itself applies.
     */
    static final class IsValid {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection, @Advice.Argument(value = 0, readOnly = false) int seconds) {
            seconds = Hooks.validTimeout(ID, connection, seconds);
        }
    }

    /**
     * The calls where a dead connection shows: the time of the last one that worked tells how long the
     * connection sat unused before a failure, and a connection error is diagnosed ({@code connection.failed}).
     * The connection is asked for before the call: a failure can close the statement, and MySQL's then refuses
     * to name its connection.
     */
    static final class StatementCall {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Statement statement, @Advice.Local("start") long start) {
            start = System.nanoTime();
            try {
                return statement.getConnection();
            } catch (SQLException closed) {
                return null; // executing a closed statement: it fails by itself, on no connection of interest
            }
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object connection, @Advice.Local("start") long start,
                         @Advice.Thrown Throwable thrown) {
            if (connection != null) {
                Hooks.called(ID, connection, start, thrown);
            }
        }
    }

    static final class ConnectionCall {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static long enter() {
            return System.nanoTime();
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object connection, @Advice.Enter long start, @Advice.Thrown Throwable thrown) {
            Hooks.called(ID, connection, start, thrown);
        }
    }

    /** A borrower changing its session's state: the first change in a lease records the borrow-time value. */
    static final class StateChange {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.This Object connection, @Advice.Origin("#m") String method) {
            Hooks.stateChanging(ID, connection, method);
        }
    }

    /** Ends a bare connection's lease the moment it closes, and forgets any closed physical connection. */
    static final class Close {
        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This Object connection) {
            Hooks.closed(ID, connection);
        }
    }
}
