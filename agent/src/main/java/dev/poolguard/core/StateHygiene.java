package dev.poolguard.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code state.leaked}: a borrower that changed its connection's session state (autocommit, read-only, isolation,
 * catalog, schema) and returned it changed hands that state to the next borrower; with autocommit left off, also its
 * open transaction. The driver's setters report each change during a lease, and the first one records the
 * borrow-time value; nothing is read on a borrow that changes nothing. At return, what still differs is logged once
 * per borrow site and, unless the pool resets all of it itself, rolled back and restored before the connection goes
 * back.
 */
final class StateHygiene {

    /** Reset by the pool itself (see {@link PoolAdapter#resetsOnReturn}): uncommitted work is rolled back. */
    static final int ROLLBACK = 1 << 5;
    /** At most this many borrow sites are remembered as reported. */
    private static final int MAX_SITES = 1000;

    enum Property {
        AUTOCOMMIT("autocommit", "setAutoCommit", "getAutoCommit", boolean.class),
        READ_ONLY("readonly", "setReadOnly", "isReadOnly", boolean.class),
        ISOLATION("isolation", "setTransactionIsolation", "getTransactionIsolation", int.class),
        CATALOG("catalog", "setCatalog", "getCatalog", String.class),
        SCHEMA("schema", "setSchema", "getSchema", String.class);

        final int bit = 1 << ordinal();
        final String label;
        final String setterName;
        final MethodHandle getter;
        final MethodHandle setter;

        Property(String label, String setterName, String getterName, Class<?> type) {
            this.label = label;
            this.setterName = setterName;
            try {
                Class<?> connection = Class.forName("java.sql.Connection", false, ClassLoader.getPlatformClassLoader());
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                getter = lookup.findVirtual(connection, getterName, MethodType.methodType(type))
                    .asType(MethodType.methodType(Object.class, Object.class));
                setter = lookup.findVirtual(connection, setterName, MethodType.methodType(void.class, type))
                    .asType(MethodType.methodType(void.class, Object.class, Object.class));
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static Property bySetter(String name) {
            for (Property p : values()) {
                if (p.setterName.equals(name)) {
                    return p;
                }
            }
            return null;
        }
    }

    static final int ALL = (1 << Property.values().length) - 1 | ROLLBACK;

    /** The borrow-time values of the properties a lease changed. */
    static final class BorrowState {
        int recorded;
        final Object[] values = new Object[Property.values().length];
    }

    private static final ConcurrentHashMap<String, Boolean> REPORTED_SITES = new ConcurrentHashMap<>();
    private static final MethodHandle ROLLBACK_CALL;

    static {
        try {
            Class<?> connection = Class.forName("java.sql.Connection", false, ClassLoader.getPlatformClassLoader());
            ROLLBACK_CALL = MethodHandles.publicLookup().findVirtual(connection, "rollback",
                MethodType.methodType(void.class)).asType(MethodType.methodType(void.class, Object.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private StateHygiene() {
    }

    /** A setter is about to run on {@code t}'s leased connection: the first change of a property records its value. */
    static void changing(Tracked t, Object connection, String setterName) throws Throwable {
        Property property = Property.bySetter(setterName);
        if (property == null) {
            return;
        }
        BorrowState s = t.borrowState;
        if (s == null) {
            s = new BorrowState();
            t.borrowState = s;
        } else if ((s.recorded & property.bit) != 0) {
            return;
        }
        try {
            s.values[property.ordinal()] = property.getter.invokeExact(connection);
            s.recorded |= property.bit;
        } catch (Throwable e) {
            if (!Jdbc.isSqlException(e)) {
                throw e;
            }
            // The driver cannot tell (closed, or no schema support): nothing to compare at return.
        }
    }

    /**
     * The lease that changed {@code s} has ended and the connection goes back to {@code pool}.
     *
     * @return true when the agent restored the state itself (a pool that caches it must forget its copy)
     */
    static boolean returned(PoolInfo pool, Object connection, BorrowState s, Throwable site) throws Throwable {
        StringBuilder changed = new StringBuilder();
        int differs = 0;
        boolean autoCommitOff = false;
        for (Property p : Property.values()) {
            if ((s.recorded & p.bit) == 0) {
                continue;
            }
            Object now;
            try {
                now = p.getter.invokeExact(connection);
            } catch (Throwable e) {
                if (!Jdbc.isSqlException(e)) {
                    throw e;
                }
                return false; // broken now: the pool's validation or close will deal with it
            }
            Object then = s.values[p.ordinal()];
            if (!Objects.equals(now, then)) {
                differs |= p.bit;
                changed.append(changed.length() == 0 ? "" : ",").append(p.label).append(':').append(then)
                    .append("->").append(now);
                autoCommitOff |= p == Property.AUTOCOMMIT && Boolean.FALSE.equals(now);
            }
        }
        if (differs == 0) {
            return false;
        }
        int needed = differs | (autoCommitOff ? ROLLBACK : 0);
        boolean restore = Settings.stateReset && (needed & ~pool.adapter.resetsOnReturn()) != 0;
        if (restore) {
            restore(connection, s, differs, autoCommitOff);
            pool.stateResets.increment();
        }
        report(pool, changed, autoCommitOff, site, restore);
        return restore;
    }

    /** Rollback first: setting autocommit back on would commit the half-done work, and some settings refuse a change inside a transaction. */
    private static void restore(Object connection, BorrowState s, int differs, boolean autoCommitOff) throws Throwable {
        try {
            if (autoCommitOff) {
                ROLLBACK_CALL.invokeExact(connection);
            }
            for (Property p : Property.values()) {
                if ((differs & p.bit) != 0) {
                    p.setter.invokeExact(connection, s.values[p.ordinal()]);
                }
            }
        } catch (Throwable e) {
            if (!Jdbc.isSqlException(e)) {
                throw e;
            }
            Log.warnOnce("state/" + e.getClass().getName(), "hook.failed", "state hook=state error=" + Log.describe(e)
                + " action=state of this connection left as the borrower left it");
        }
    }

    private static void report(PoolInfo pool, StringBuilder changed, boolean autoCommitOff, Throwable site,
                               boolean restored) {
        StringBuilder where = new StringBuilder(256);
        Frames.site(where, site);
        String key = pool.adapter.id() + "|" + where;
        if (REPORTED_SITES.size() >= MAX_SITES || REPORTED_SITES.putIfAbsent(key, Boolean.TRUE) != null) {
            return;
        }
        Log.warn("state.leaked", pool.name + " changed=" + changed + (autoCommitOff ? " open-transaction=possible" : "")
            + " borrowed-at=\"" + where + "\" action=" + (restored
                ? (autoCommitOff ? "rolled back and restored" : "restored") + " before the connection went back"
                : Settings.stateReset ? "left to the pool, which resets it itself" : "none (POOLGUARD_STATE_RESET=false)"));
        Settings.armSites("a leaked session state in " + pool.name);
    }
}
