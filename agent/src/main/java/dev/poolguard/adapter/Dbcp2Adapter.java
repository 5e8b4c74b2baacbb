package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import net.bytebuddy.asm.Advice;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.commons.dbcp2.DelegatingConnection;
import org.apache.commons.dbcp2.PoolableConnection;

/**
 * Apache Commons DBCP2 2.9 to 2.14, through {@code BasicDataSource}, and Tomcat's built-in pool ({@code tomcat-dbcp},
 * Tomcat 9 to 11: the default factory of a JNDI {@code <Resource type="javax.sql.DataSource">}), which is DBCP2 and
 * pool2 repackaged under {@code org.apache.tomcat.dbcp}. One adapter shape for both: the advice is written against
 * Commons DBCP2 and read with the package names replaced for Tomcat's copy (see
 * {@link PoolAdapter#adviceWrittenFor}). DBCP2 validates every borrow by default, but with {@code isValid(0)}, which
 * waits forever on a silent socket: the agent bounds that validation rather than ping again. Evicts through
 * {@code BasicDataSource.invalidateConnection}; retires at return by closing the physical connection first, which
 * makes DBCP2 invalidate it instead of pooling it.
 */
final class Dbcp2Adapter extends PoolAdapter {

    /** The id the advice passes to {@link Hooks}; renamed in the advice of Tomcat's copy. */
    static final String ID = "dbcp2";
    private static final String[] COMMONS = {"org.apache.commons.dbcp2.", "org.apache.commons.pool2."};
    private static final String[] TOMCAT = {"org.apache.tomcat.dbcp.dbcp2.", "org.apache.tomcat.dbcp.pool2."};

    private final String dbcp;

    private Dbcp2Adapter(String id, String[] packages) {
        super(id, packages);
        this.dbcp = packages[0];
    }

    /** Apache Commons DBCP2 ({@code org.apache.commons:commons-dbcp2}). */
    static Dbcp2Adapter commons() {
        return new Dbcp2Adapter(ID, COMMONS);
    }

    /** Tomcat's built-in pool ({@code org.apache.tomcat:tomcat-dbcp}, inside Tomcat's {@code lib/tomcat-dbcp.jar}). */
    static Dbcp2Adapter tomcat() {
        Dbcp2Adapter adapter = new Dbcp2Adapter("tomcat-dbcp", TOMCAT);
        adapter.adviceWrittenFor(ID, COMMONS);
        return adapter;
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass(dbcp + "BasicDataSource"))
            .transform(advice(Hook.BORROW, named("getConnection").and(takesArguments(0)), "Borrow"))
            .type(poolClass(dbcp + "PoolableConnection"))
            .transform(advice(Hook.RETURN, named("close").and(takesArguments(0)), "Return"))
            .transform(advice(Hook.VALIDATE, named("validate").and(takesArguments(2)), "Validate"));
    }

    /** Only with {@code maxWait} set (the default waits forever): "Timeout waiting for idle object". */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown.getCause(), "java.util.NoSuchElementException")
            && String.valueOf(thrown.getCause().getMessage()).contains("Timeout waiting");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getMaxTotal"));
    }

    /** passivateObject rolls back and turns autocommit on; read-only, isolation, catalog and schema only when defaults are configured. */
    @Override
    protected int resetsOnReturn() {
        return RESETS_AUTOCOMMIT | RESETS_ROLLBACK;
    }

    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This BasicDataSource pool, @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) Connection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) {
            try {
                if (lease != null && context != null && !Hooks.borrowExit(ID, context, pool,
                        ((DelegatingConnection<?>) lease).getInnermostDelegateInternal())) {
                    pool.invalidateConnection(lease);
                    try {
                        lease = pool.getConnection();
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
        static void enter(@Advice.This PoolableConnection pooled) throws Exception {
            Connection physical = pooled.getInnermostDelegateInternal();
            if (Hooks.returning(ID, physical)) {
                physical.close();
            } else if (Hooks.stateRestored(ID, physical)) {
                pooled.clearCachedState(); // DBCP2 caches autocommit, read-only, catalog and schema
            }
        }
    }

    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This PoolableConnection pooled) {
            return Hooks.validateEnter(ID, pooled.getInnermostDelegateInternal());
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable failure) {
            Hooks.validateExit(token, true, failure == null);
        }
    }
}
