package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import dev.poolguard.core.Weaving;
import java.sql.Connection;
import java.sql.SQLException;
import net.bytebuddy.asm.Advice;
import org.vibur.dbcp.ViburConfig;
import org.vibur.dbcp.pool.ConnHolder;
import org.vibur.dbcp.pool.PoolOperations;

/**
 * Vibur DBCP 25 and 26. Vibur validates a connection taken after 5 s idle ({@code isValid}, 3 s timeout), so
 * the agent bounds that and does not ping the same take twice. The check runs where Vibur takes a holder from
 * its pool ({@code PoolOperations.getConnHolder}), before the JDK proxy is made: an evicted holder is restored
 * as invalid, which destroys it, and the take answers null, on which Vibur's own loop takes again. A connection
 * retired at return is restored as invalid too.
 */
final class ViburAdapter extends PoolAdapter {

    static final String ID = "vibur";

    ViburAdapter() {
        super(ID, "org.vibur.dbcp.", "org.vibur.objectpool.");
    }

    @Override
    protected void instrument(Weaving weaving) {
        weaving
            .type(poolClass("org.vibur.dbcp.pool.PoolOperations"))
            .transform(advice(Hook.BORROW, named("getProxyConnection").and(takesArguments(long.class)), "Borrow"))
            .transform(advice(Hook.BORROW, named("getConnHolder").and(takesArguments(long.class)), "Take"))
            .transform(advice(Hook.RETURN, named("restore").and(takesArguments(3)), "Return"))
            .type(poolClass("org.vibur.dbcp.util.JdbcUtils"))
            .transform(advice(Hook.VALIDATE, named("validateOrInitialize").and(takesArguments(3)), "Validate"));
    }

    /** {@code connectionTimeoutInMs} (15 s by default): "couldn't obtain SQL connection within N ms", VI002. */
    @Override
    protected boolean exhausted(Throwable thrown) {
        return isA(thrown, "java.sql.SQLTimeoutException");
    }

    @Override
    protected int maxSize(Object pool) {
        return toInt(read(pool, "getPoolMaxSize"));
    }

    /** Nothing by default (resetDefaultsAfterUse=false, no rollback). */
    @Override
    protected int resetsOnReturn() {
        return 0;
    }

    /** A name the app set; Vibur's default is {@code p<n>}, too short to tell pools apart in a log. */
    @Override
    protected String poolName(Object pool) {
        Object name = read(pool, "getName");
        return name == null || name.toString().matches("p\\d+") ? null : name.toString();
    }

    /** Holds one borrow context across Vibur's take loop, so the connections it tries share one ping deadline. */
    static final class Borrow {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.FieldValue("dataSource") Object pool) {
            return Hooks.borrowEnter(ID, pool);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.FieldValue("dataSource") Object pool, @Advice.Enter Object context,
                         @Advice.Thrown Throwable thrown) {
            Hooks.borrowFailed(ID, context, pool, thrown);
            Hooks.borrowDone(context);
        }
    }

    static final class Take {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.This PoolOperations operations, @Advice.FieldValue("dataSource") Object pool,
                         @Advice.Return(readOnly = false) ConnHolder holder) {
            if (holder == null) {
                return;
            }
            Object context = Hooks.borrowEnter(ID, pool);
            try {
                if (context != null && !Hooks.borrowExit(ID, context, pool, holder.rawConnection())) {
                    operations.restore(holder, false, new SQLException[0]); // destroys it, as severConnection does
                    holder = null; // getProxyConnection loops until it gets a holder
                }
            } finally {
                Hooks.borrowDone(context);
            }
        }
    }

    static final class Return {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static void enter(@Advice.Argument(0) ConnHolder holder, @Advice.Argument(value = 1, readOnly = false) boolean valid) {
            if (holder != null && Hooks.returning(ID, holder.rawConnection())) {
                valid = false;
            }
        }
    }

    /** Also runs a new connection's {@code initSQL}: only the test query counts as a validation. */
    static final class Validate {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        static Object enter(@Advice.Argument(0) Connection connection, @Advice.Argument(1) String query,
                            @Advice.Argument(2) ViburConfig config) {
            return query != null && query.equals(config.getTestConnectionQuery()) ? Hooks.validateEnter(ID, connection) : null;
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        static void exit(@Advice.Enter Object token, @Advice.Return boolean valid) {
            Hooks.validateExit(token, true, valid);
        }
    }
}
