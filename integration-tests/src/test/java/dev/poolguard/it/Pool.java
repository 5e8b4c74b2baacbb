package dev.poolguard.it;

import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The connection sources the test app exercises, with the name the agent logs for each. */
enum Pool {
    HIKARI("hikari", "HikariPool-\\d+"),
    DBCP2("dbcp2", "dbcp2-\\d+"),
    /** Tomcat's built-in pool: DBCP2 repackaged, guarded by the same adapter shape. */
    TOMCAT_DBCP("tomcat-dbcp", "tomcat-dbcp-\\d+"),
    DBCP1("dbcp1", "dbcp1-\\d+"),
    TOMCAT("tomcat", "tomcat-\\d+"),
    C3P0("c3p0", "c3p0-\\d+"),
    DRUID("druid", "druid-\\d+"),
    AGROAL("agroal", "agroal-\\d+"),
    VIBUR("vibur", "vibur-\\d+"),
    UCP("ucp", "ucp-\\d+"),
    /** Bare DriverManager/Driver connections: no pool to evict from or recycle into. */
    DRIVER("driver", "driver"),
    /** H2's JdbcConnectionPool: a pool the agent has no adapter for, left out of the suites that iterate guarded pools. */
    H2POOL("h2pool", "org\\.h2\\.jdbcx\\.JdbcConnectionPool");

    private static final Pool[] GUARDED = Arrays.stream(values()).filter(p -> p.ordinal() < H2POOL.ordinal())
            .toArray(Pool[]::new);

    final String cli;
    private final Pattern agentName;

    Pool(String cli, String agentName) {
        this.cli = cli;
        this.agentName = Pattern.compile(agentName);
    }

    boolean isPool() {
        return this != DRIVER && this != H2POOL;
    }

    /** The pools the agent guards, and bare driver connections: what the suites iterate. */
    static Pool[] guarded() {
        return GUARDED.clone();
    }

    /** Whether an agent event's pool name (e.g. {@code HikariPool-3}) belongs to this kind of pool. */
    boolean namedIn(String agentPoolName) {
        return agentName.matcher(agentPoolName).matches();
    }

    static Stream<Pool> pooled() {
        return Arrays.stream(GUARDED).filter(Pool::isPool);
    }

    static Pool fromCli(String cli) {
        return Arrays.stream(values()).filter(p -> p.cli.equals(cli)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown pool " + cli));
    }

    @Override
    public String toString() {
        return cli;
    }
}
