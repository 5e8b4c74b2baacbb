package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import net.bytebuddy.asm.Advice;
import oracle.ucp.ConnectionRetrievalInfo;
import oracle.ucp.UniversalConnectionPool;
import oracle.ucp.UniversalConnectionPoolException;
import oracle.ucp.UniversalPooledConnection;
import oracle.ucp.UniversalPooledConnectionStatus;

/**
 * Oracle UCP 21.3 to 23.x ({@code ucp11}; the Java 8 {@code ucp} jars of 19.x and later have the same members).
 * UCP does not validate a borrow by default, so the agent pings; when the app turns validation on, the agent
 * bounds it (21.x asks a non-Oracle driver {@code isValid(0)}, which never times out). Evicts through the pool's
 * own {@code closeConnection}; retires at return by marking the connection bad, which is what
 * {@code ValidConnection.setInvalid()} does, so UCP closes it instead of making it available again.
 */
final class UcpAdapter extends PoolAdapter {

    static final String ID = "ucp";

    UcpAdapter() {
        super(ID, "oracle.ucp.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("oracle.ucp.jdbc.JDBCConnectionPool"))
            .transform(advice(Hook.BORROW, named("borrowConnection").and(takesArguments(1))
                .and(takesArgument(0, named("oracle.ucp.ConnectionRetrievalInfo"))), "Borrow"))
            .type(poolClass("oracle.ucp.common.UniversalConnectionPoolImpl"))
            .transform(advice(Hook.RETURN, named("returnConnection").and(takesArguments(1)), "Return"))
            // validateConnectionWith[out]SQL: () and (String) up to 21.x, (int) and (String, int) in 23.x
            .type(poolClass("oracle.ucp.jdbc.JDBCUniversalPooledConnection"))
            .transform(advice(Hook.VALIDATE, namedOneOf("validateConnectionWithSQL", "validateConnectionWithoutSQL"), "Validate"));
    }

    /** {@code connectionWaitTimeout} (3 s by default): UCP-45064 "All connections ... are in use" and kin. */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "oracle.ucp.UniversalConnectionPoolException") && thrown.getCause() == null;
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getMaxPoolSize"));
    }

    /** Not documented beyond commitOnConnectionReturn: the agent restores what the borrower changed. */
    @Override
    protected int resetsOnReturn() {
        return 0;
    }

    /** A name the app set with {@code setConnectionPoolName}; the default one is generated and unreadable. */
    @Override
    protected String poolName(Object pool) {
        Object name = read(pool, "getName");
        return name == null || name.toString().startsWith("UniversalConnectionPool") ? null : name.toString();
    }

    /**
     * The physical connection is the driver's own for a {@code java.sql.Driver} or {@code DataSource} factory;
     * for an XA or pooled-connection factory it is not a {@code Connection}, and the agent leaves it alone.
     */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.This UniversalConnectionPool pool, @Advice.Argument(0) ConnectionRetrievalInfo request,
                         @Advice.Enter Object context,
                         @Advice.Return(readOnly = false) UniversalPooledConnection lease,
                         @Advice.Thrown(readOnly = false) Throwable thrown) throws UniversalConnectionPoolException {
            try {
                Object physical = lease == null ? null : lease.getPhysicalConnection();
                if (physical instanceof Connection && context != null && !Hooks.borrowExit(ID, context, pool, physical)) {
                    pool.closeConnection(lease);
                    try {
                        lease = pool.borrowConnection(request);
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
        static void enter(@Advice.Argument(0) UniversalPooledConnection pooled) throws UniversalConnectionPoolException {
            if (pooled != null && Hooks.returning(ID, pooled.getPhysicalConnection())) {
                pooled.setStatus(UniversalPooledConnectionStatus.STATUS_BAD);
            }
        }
    }

    /** Both methods ask the database every time they are called; false or a throw means the connection failed. */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.This UniversalPooledConnection pooled) {
            Object physical = pooled.getPhysicalConnection();
            return physical instanceof Connection ? Hooks.validateEnter(ID, physical) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return boolean valid) {
            Hooks.validateExit(token, true, valid);
        }
    }
}
