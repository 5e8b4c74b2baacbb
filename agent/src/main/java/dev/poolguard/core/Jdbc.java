package dev.poolguard.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Executor;

/**
 * The few {@code java.sql.Connection} calls the core makes. The core lives in the bootstrap class loader, which
 * cannot link {@code java.sql} types (that module belongs to the platform loader), so connections travel as
 * {@code Object} and these handles, resolved once, make the calls. Constant handles inline like direct calls.
 */
final class Jdbc {

    private static final MethodHandle IS_VALID;
    private static final MethodHandle IS_CLOSED;
    private static final MethodHandle ABORT;
    private static final MethodHandle CLOSE;
    private static final Executor DIRECT = Runnable::run;
    private static final Class<?> SQL_EXCEPTION;
    private static final MethodHandle SQL_STATE;
    private static final MethodHandle ERROR_CODE;

    static {
        try {
            ClassLoader platform = ClassLoader.getPlatformClassLoader();
            Class<?> connection = Class.forName("java.sql.Connection", false, platform);
            SQL_EXCEPTION = Class.forName("java.sql.SQLException", false, platform);
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            IS_VALID = lookup.findVirtual(connection, "isValid", MethodType.methodType(boolean.class, int.class))
                .asType(MethodType.methodType(boolean.class, Object.class, int.class));
            IS_CLOSED = lookup.findVirtual(connection, "isClosed", MethodType.methodType(boolean.class))
                .asType(MethodType.methodType(boolean.class, Object.class));
            ABORT = lookup.findVirtual(connection, "abort", MethodType.methodType(void.class, Executor.class))
                .asType(MethodType.methodType(void.class, Object.class, Executor.class));
            CLOSE = lookup.findVirtual(connection, "close", MethodType.methodType(void.class))
                .asType(MethodType.methodType(void.class, Object.class));
            SQL_STATE = lookup.findVirtual(SQL_EXCEPTION, "getSQLState", MethodType.methodType(String.class))
                .asType(MethodType.methodType(String.class, Throwable.class));
            ERROR_CODE = lookup.findVirtual(SQL_EXCEPTION, "getErrorCode", MethodType.methodType(int.class))
                .asType(MethodType.methodType(int.class, Throwable.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Jdbc() {
    }

    static boolean isValid(Object connection, int seconds) throws Throwable {
        return (boolean) IS_VALID.invokeExact(connection, seconds);
    }

    /** A driver's own failure, as opposed to a bug that the agent must not paper over. */
    static boolean isSqlException(Throwable t) {
        return SQL_EXCEPTION.isInstance(t);
    }

    /** An {@code SQLException}'s SQLState; null for anything else. */
    static String sqlState(Throwable t) throws Throwable {
        return isSqlException(t) ? (String) SQL_STATE.invokeExact(t) : null;
    }

    /** An {@code SQLException}'s vendor code; 0 for anything else. */
    static int errorCode(Throwable t) throws Throwable {
        return isSqlException(t) ? (int) ERROR_CODE.invokeExact(t) : 0;
    }

    /** A connection whose state cannot be read counts as closed. */
    static boolean isClosed(Object connection) {
        try {
            return (boolean) IS_CLOSED.invokeExact(connection);
        } catch (Throwable e) {
            return true;
        }
    }

    /** Cuts a connection off now, from any thread: it unblocks a read stuck on a silent socket. */
    static void abort(Object connection) {
        try {
            ABORT.invokeExact(connection, DIRECT);
        } catch (Throwable e) {
            try {
                CLOSE.invokeExact(connection);
            } catch (Throwable ignored) {
                // Nothing more can be done; the connection is retired either way.
            }
        }
    }
}
