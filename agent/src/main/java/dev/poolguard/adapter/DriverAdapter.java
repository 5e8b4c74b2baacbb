package dev.poolguard.adapter;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.nameContains;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import dev.poolguard.core.Hooks;
import dev.poolguard.core.PoolAdapter;
import java.sql.Connection;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;

/**
 * Any JDBC driver's {@code connect}: the birth of every physical connection, pooled or not. Its age counts from
 * here. A connection no pool opened is a bare one ({@code DriverManager}, {@code Driver.connect}, a driver's own
 * DataSource) and is watched as one lease from open to close. The name filter keeps the hierarchy check to the
 * few classes called "...Driver...".
 */
final class DriverAdapter extends PoolAdapter {

    static final String ID = "driver";

    DriverAdapter() {
        super(ID);
    }

    @Override
    protected AgentBuilder instrument(AgentBuilder builder) {
        return builder
            .type(nameContains("Driver").and(not(isInterface())).and(hasSuperType(named("java.sql.Driver"))))
            .transform(advice(Hook.CONNECT, named("connect").and(returns(hasSuperType(named("java.sql.Connection")))), "Connect"));
    }

    static final class Connect {
        @Advice.OnMethodExit(suppress = Throwable.class)
        static void exit(@Advice.Return Connection connection) {
            Hooks.connected(ID, connection);
        }
    }
}
