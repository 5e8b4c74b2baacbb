package dev.poolguard.testapp;

import com.alibaba.druid.pool.DruidDataSource;
import com.mchange.v2.c3p0.ComboPooledDataSource;
import com.zaxxer.hikari.HikariDataSource;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.AgroalConnectionPoolConfiguration;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;
import oracle.ucp.admin.UniversalConnectionPoolManagerImpl;
import oracle.ucp.jdbc.PoolDataSource;
import oracle.ucp.jdbc.PoolDataSourceFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.tomcat.jdbc.pool.DataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;
import org.vibur.dbcp.ViburDBCPDataSource;

/**
 * A connection pool configured as a typical application does it: URL, user, password (and driver class where the
 * library wants one), everything else left at the library's defaults. The defaults are the point: they are what the
 * field reports are about.
 */
public final class Pool implements AutoCloseable {

    static final List<String> NAMES = List.of(
            "hikari", "dbcp2", "tomcat-dbcp", "dbcp1", "tomcat", "c3p0", "druid", "agroal", "vibur", "ucp", "driver");

    /** Pools the agent has no adapter for, not part of {@code all}: H2's {@code JdbcConnectionPool}. */
    static final List<String> UNKNOWN = List.of("h2pool");

    /** Every name {@code --pool} takes. */
    static final List<String> ALL_NAMES = java.util.stream.Stream.concat(NAMES.stream(), UNKNOWN.stream()).toList();

    /** Closing a pool whose sockets are black-holed can block for ever; the app waits this long, then moves on. */
    private static final long CLOSE_WAIT_MS = 2000;

    private interface Borrow {
        Connection get() throws SQLException;
    }

    /** The pool's own count of leased and of open connections, as its API reports them. */
    private interface Accounting {
        String get() throws SQLException;
    }

    private static final Accounting NO_POOL = () -> "active=n/a total=n/a";

    /**
     * Set by {@code --validate-on-borrow}: each pool is configured, as many apps do, to validate a connection
     * itself when it hands it out (HikariCP and DBCP2 already do by default).
     */
    private static volatile boolean validateOnBorrow;

    private final String name;
    private final Borrow borrow;
    private final AutoCloseable closer;
    private final Accounting accounting;

    private Pool(String name, Borrow borrow, AutoCloseable closer, Accounting accounting) {
        this.name = name;
        this.borrow = borrow;
        this.closer = closer;
        this.accounting = accounting;
    }

    private static String counts(int active, int total) {
        return "active=" + active + " total=" + total;
    }

    /** {@code active=<leased> total=<open>} by the pool's own API. */
    String accounting() {
        try {
            return accounting.get();
        } catch (SQLException | RuntimeException e) {
            return "active=unknown total=unknown error=" + e;
        }
    }

    /** A count of leased connections above zero. */
    private static final Pattern LEASED_SOME = Pattern.compile("active=[1-9]");

    /**
     * {@link #accounting()} once every returned connection is counted back: some pools (c3p0) check in on a helper
     * thread, so a count above zero right after the last close is waited out for up to a second. A count below zero
     * is printed at once: it is wrong however long one waits.
     */
    String settledAccounting() throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        String counts = accounting();
        while (LEASED_SOME.matcher(counts).lookingAt() && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
            counts = accounting();
        }
        return counts;
    }

    static void validateOnBorrow(boolean on) {
        validateOnBorrow = on;
    }

    static Pool open(String name, Target target) {
        return open(name, target, null);
    }

    /** For the benchmarks: the pool {@code name} at its library's defaults, on {@code jdbcUrl}. */
    public static Pool open(String name, String jdbcUrl) {
        return open(name, Target.parse(jdbcUrl));
    }

    /**
     * A pool of at most {@code max} connections whose borrow gives up after {@code waitMs}, as an app that sized
     * its pool and bounded the wait configures it (DBCP2, c3p0, Druid and Agroal wait forever by default).
     */
    record Bounds(int max, int waitMs) {
    }

    static Pool open(String name, Target target, Bounds bounds) {
        switch (name) {
            case "hikari": {
                HikariDataSource ds = new HikariDataSource();
                ds.setJdbcUrl(FaultyDriver.wrap(target.url()));
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                if (bounds != null) {
                    ds.setMaximumPoolSize(bounds.max());
                    ds.setConnectionTimeout(bounds.waitMs());
                }
                return new Pool(name, ds::getConnection, ds, () -> counts(
                        ds.getHikariPoolMXBean().getActiveConnections(), ds.getHikariPoolMXBean().getTotalConnections()));
            }
            case "dbcp2": {
                BasicDataSource ds = new BasicDataSource();
                ds.setUrl(FaultyDriver.wrap(target.url()));
                ds.setDriverClassName(FaultyDriver.driverClass(target.driverClass()));
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                if (bounds != null) {
                    ds.setMaxTotal(bounds.max());
                    ds.setMaxIdle(bounds.max()); // a sized pool keeps what it opened (the default keeps 8)
                    ds.setMaxWaitMillis(bounds.waitMs()); // the name 2.9 knows too
                }
                return new Pool(name, ds::getConnection, ds, () -> counts(
                        ds.getNumActive(), ds.getNumActive() + ds.getNumIdle()));
            }
            case "tomcat-dbcp": { // Tomcat's built-in pool: DBCP2 repackaged, configured the same way
                org.apache.tomcat.dbcp.dbcp2.BasicDataSource ds = new org.apache.tomcat.dbcp.dbcp2.BasicDataSource();
                ds.setUrl(FaultyDriver.wrap(target.url()));
                ds.setDriverClassName(FaultyDriver.driverClass(target.driverClass()));
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                if (bounds != null) {
                    ds.setMaxTotal(bounds.max());
                    ds.setMaxIdle(bounds.max());
                    ds.setMaxWaitMillis(bounds.waitMs());
                }
                return new Pool(name, ds::getConnection, ds, () -> counts(
                        ds.getNumActive(), ds.getNumActive() + ds.getNumIdle()));
            }
            case "dbcp1": {
                org.apache.commons.dbcp.BasicDataSource ds = new org.apache.commons.dbcp.BasicDataSource();
                ds.setUrl(FaultyDriver.wrap(target.url()));
                ds.setDriverClassName(FaultyDriver.driverClass(target.driverClass()));
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                if (validateOnBorrow) {
                    ds.setValidationQuery("SELECT 1"); // testOnBorrow is on by default, but tests nothing without one
                }
                if (bounds != null) {
                    ds.setMaxActive(bounds.max());
                    ds.setMaxIdle(bounds.max());
                    ds.setMaxWait(bounds.waitMs());
                }
                return new Pool(name, ds::getConnection, ds::close, () -> counts(
                        ds.getNumActive(), ds.getNumActive() + ds.getNumIdle()));
            }
            case "tomcat": {
                PoolProperties properties = new PoolProperties();
                properties.setUrl(FaultyDriver.wrap(target.url()));
                properties.setDriverClassName(FaultyDriver.driverClass(target.driverClass()));
                properties.setUsername(target.user());
                properties.setPassword(target.password());
                if (bounds != null) {
                    properties.setMaxActive(bounds.max());
                    properties.setInitialSize(bounds.max());
                    properties.setMaxIdle(bounds.max());
                    properties.setMinIdle(bounds.max());
                    properties.setMaxWait(bounds.waitMs());
                }
                if (validateOnBorrow) {
                    properties.setTestOnBorrow(true);
                    properties.setValidationQuery("SELECT 1");
                }
                DataSource ds = new DataSource(properties);
                return new Pool(name, ds::getConnection, ds::close, () -> counts(ds.getActive(), ds.getSize()));
            }
            case "c3p0": {
                ComboPooledDataSource ds = new ComboPooledDataSource();
                ds.setJdbcUrl(FaultyDriver.wrap(target.url()));
                ds.setUser(target.user());
                ds.setPassword(target.password());
                ds.setTestConnectionOnCheckout(validateOnBorrow);
                if (bounds != null) {
                    ds.setMinPoolSize(1);
                    ds.setInitialPoolSize(1);
                    ds.setMaxPoolSize(bounds.max());
                    ds.setCheckoutTimeout(bounds.waitMs());
                }
                return new Pool(name, ds::getConnection, ds::close, () -> counts(
                        ds.getNumBusyConnectionsDefaultUser(), ds.getNumConnectionsDefaultUser()));
            }
            case "druid": {
                DruidDataSource ds = new DruidDataSource();
                ds.setUrl(FaultyDriver.wrap(target.url()));
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                ds.setTestOnBorrow(validateOnBorrow);
                if (FaultyDriver.active()) {
                    ds.setDriverClassName(FaultyDriver.driverClass(target.driverClass())); // Druid knows URL prefixes
                }
                if (bounds != null) {
                    ds.setMaxActive(bounds.max());
                    ds.setMaxWait(bounds.waitMs());
                }
                return new Pool(name, ds::getConnection, ds::close, () -> counts(
                        ds.getActiveCount(), ds.getActiveCount() + ds.getPoolingCount()));
            }
            case "agroal": {
                AgroalDataSource ds = agroal(target, bounds);
                return new Pool(name, ds::getConnection, ds::close, () -> counts(
                        (int) ds.getMetrics().activeCount(), (int) ds.getMetrics().activeCount()
                                + (int) ds.getMetrics().availableCount()));
            }
            case "vibur": {
                ViburDBCPDataSource ds = new ViburDBCPDataSource();
                ds.setJdbcUrl(FaultyDriver.wrap(target.url()));
                ds.setUsername(target.user()); // Vibur needs both, even when the URL has them
                ds.setPassword(Objects.toString(target.password(), ""));
                if (validateOnBorrow) {
                    ds.setConnectionIdleLimitInSeconds(0); // validate every borrow, not only after 5 s idle
                }
                if (bounds != null) {
                    ds.setPoolInitialSize(1);
                    ds.setPoolMaxSize(bounds.max());
                    ds.setConnectionTimeoutInMs(bounds.waitMs());
                }
                ds.start(); // Vibur's one mandatory step
                return new Pool(name, ds::getConnection, ds::close, () -> counts(
                        ds.getPool().taken(), ds.getPool().taken() + ds.getPool().remainingCreated()));
            }
            case "ucp": {
                PoolDataSource ds = ucp(target, bounds);
                return new Pool(name, ds::getConnection, () -> destroyUcpPool(ds), () -> counts(
                        ds.getBorrowedConnectionsCount(), ds.getBorrowedConnectionsCount()
                                + ds.getAvailableConnectionsCount()));
            }
            case "h2pool": { // H2's pool over the driver's ConnectionPoolDataSource; 10 connections, 30 s wait
                org.h2.jdbcx.JdbcConnectionPool ds = org.h2.jdbcx.JdbcConnectionPool.create(pooledDataSource(target));
                if (bounds != null) {
                    ds.setMaxConnections(bounds.max());
                    ds.setLoginTimeout(Math.max(1, bounds.waitMs() / 1000));
                }
                return new Pool(name, ds::getConnection, ds::dispose, () -> "active=" + ds.getActiveConnections() + " total=n/a");
            }
            case "driver": // no pool: a new physical connection for every request
                return new Pool(name, () -> DriverManager.getConnection(FaultyDriver.wrap(target.url()),
                        target.user(), target.password()), () -> { }, NO_POOL);
            default:
                throw new IllegalArgumentException("unknown pool: " + name);
        }
    }

    /** The driver's own {@code ConnectionPoolDataSource}, configured from the URL as an application would. */
    private static javax.sql.ConnectionPoolDataSource pooledDataSource(Target target) {
        try {
            return pooledDataSourceOf(target);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static javax.sql.ConnectionPoolDataSource pooledDataSourceOf(Target target) throws SQLException {
        switch (target.kind()) {
            case "postgres": {
                org.postgresql.ds.PGConnectionPoolDataSource ds = new org.postgresql.ds.PGConnectionPoolDataSource();
                ds.setURL(target.url());
                ds.setUser(target.user());
                ds.setPassword(target.password());
                return ds;
            }
            case "mariadb": {
                org.mariadb.jdbc.MariaDbDataSource ds = new org.mariadb.jdbc.MariaDbDataSource(target.url());
                ds.setUser(target.user());
                ds.setPassword(target.password());
                return ds;
            }
            default: {
                com.mysql.cj.jdbc.MysqlConnectionPoolDataSource ds = new com.mysql.cj.jdbc.MysqlConnectionPoolDataSource();
                ds.setURL(target.url());
                ds.setUser(target.user());
                ds.setPassword(Objects.toString(target.password(), ""));
                return ds;
            }
        }
    }

    /** Agroal has no default maximum pool size, so an app always sets one; 10 is the other pools' usual default. */
    private static AgroalDataSource agroal(Target target, Bounds bounds) {
        try {
            // Agroal counts nothing without metrics; an app that sizes its pool watches it too.
            return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier()
                    .metricsEnabled(bounds != null)
                    .connectionPoolConfiguration(pool -> pool
                            .maxSize(bounds == null ? 10 : bounds.max())
                            .acquisitionTimeout(Duration.ofMillis(bounds == null ? 0 : bounds.waitMs()))
                            .connectionValidator(validateOnBorrow
                                    ? AgroalConnectionPoolConfiguration.ConnectionValidator.defaultValidator()
                                    : AgroalConnectionPoolConfiguration.ConnectionValidator.emptyValidator())
                            // Agroal 2.x has no validateOnBorrow; validating whatever was idle 1 ms works in both
                            .idleValidationTimeout(Duration.ofMillis(validateOnBorrow ? 1 : 0))
                            .connectionFactoryConfiguration(factory -> factory
                                    .jdbcUrl(FaultyDriver.wrap(target.url()))
                                    .principal(new NamePrincipal(target.user()))
                                    .credential(new SimplePassword(Objects.toString(target.password(), ""))))));
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static PoolDataSource ucp(Target target, Bounds bounds) {
        try {
            PoolDataSource ds = PoolDataSourceFactory.getPoolDataSource();
            // UCP's one mandatory setting
            ds.setConnectionFactoryClassName(FaultyDriver.driverClass(target.driverClass()));
            ds.setURL(FaultyDriver.wrap(target.url()));
            ds.setUser(target.user());
            ds.setPassword(target.password());
            ds.setValidateConnectionOnBorrow(validateOnBorrow);
            if (bounds != null) {
                ds.setMaxPoolSize(bounds.max());
                ds.setConnectionWaitTimeout(Math.max(1, bounds.waitMs() / 1000)); // whole seconds up to 21.x
            }
            return ds;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void destroyUcpPool(PoolDataSource ds) throws Exception {
        String pool = ds.getConnectionPoolName();
        if (pool != null) {
            UniversalConnectionPoolManagerImpl.getUniversalConnectionPoolManager().destroyConnectionPool(pool);
        }
    }

    /** The file name of the jar the pool's classes (the driver's, for {@code driver}) come from. */
    static String library(String name, Target target) throws SQLException {
        Class<?> type;
        switch (name) {
            case "hikari":
                type = HikariDataSource.class;
                break;
            case "dbcp2":
                type = BasicDataSource.class;
                break;
            case "tomcat-dbcp":
                type = org.apache.tomcat.dbcp.dbcp2.BasicDataSource.class;
                break;
            case "dbcp1":
                type = org.apache.commons.dbcp.BasicDataSource.class;
                break;
            case "tomcat":
                type = DataSource.class;
                break;
            case "c3p0":
                type = ComboPooledDataSource.class;
                break;
            case "druid":
                type = DruidDataSource.class;
                break;
            case "agroal":
                type = io.agroal.pool.DataSource.class;
                break;
            case "vibur":
                type = ViburDBCPDataSource.class;
                break;
            case "ucp":
                type = PoolDataSourceFactory.class;
                break;
            case "h2pool":
                type = org.h2.jdbcx.JdbcConnectionPool.class;
                break;
            default:
                type = DriverManager.getDriver(target.url()).getClass();
        }
        String location = type.getProtectionDomain().getCodeSource().getLocation().getPath();
        return location.substring(location.lastIndexOf('/', location.length() - 2) + 1).replace("!/", "");
    }

    public Connection getConnection() throws SQLException {
        return borrow.get();
    }

    @Override
    public void close() throws InterruptedException {
        Thread closing = Daemons.start("close-" + name, () -> {
            try {
                closer.close();
            } catch (Exception e) {
                System.err.println("closing the " + name + " pool failed: " + e);
            }
        });
        closing.join(CLOSE_WAIT_MS);
        if (closing.isAlive()) {
            System.err.println("closing the " + name + " pool still blocks after " + CLOSE_WAIT_MS + " ms; abandoned");
        }
    }
}
