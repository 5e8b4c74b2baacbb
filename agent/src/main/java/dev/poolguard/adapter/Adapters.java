package dev.poolguard.adapter;

import dev.poolguard.core.PoolAdapter;
import java.util.Arrays;
import java.util.List;

/** Every adapter the agent ships. Adding a pool is one adapter file and one line here. */
public final class Adapters {

    private Adapters() {
    }

    public static List<PoolAdapter> all() {
        return Arrays.asList(
            new HikariAdapter(),
            Dbcp2Adapter.commons(),
            Dbcp2Adapter.tomcat(),
            new Dbcp1Adapter(),
            new TomcatAdapter(),
            new C3p0Adapter(),
            new DruidAdapter(),
            new AgroalAdapter(),
            new IronJacamarAdapter(),
            new ViburAdapter(),
            new UcpAdapter(),
            new DriverAdapter());
    }
}
