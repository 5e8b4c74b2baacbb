package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.sql.Driver;
import java.util.ArrayList;
import java.util.List;
import javax.sql.ConnectionPoolDataSource;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who opened a connection no enabled pool opened: the stacks, innermost frame first, as the driver's connect sees them.
 * A pool the agent does not guard must not have its idle connections watched as bare leases; the application's own
 * connections must.
 */
class UnknownPoolsTest {

    private abstract static class AnyDataSource implements DataSource {
    }

    private abstract static class AnyPooledSource implements ConnectionPoolDataSource {
    }

    private abstract static class SubclassedDataSource extends AnyDataSource {
    }

    private abstract static class AnyDriver implements Driver {
    }

    private static final String PG = UnknownPools.driverRoot("org.postgresql.jdbc.PgConnection");

    private String[] adapterPackages;

    @BeforeEach
    void saveAdapterPackages() {
        adapterPackages = UnknownPools.adapterPackages;
        UnknownPools.adapterPackages = new String[] {"com.zaxxer.hikari.", "org.apache.commons.dbcp2.",
            "org.apache.commons.pool2."};
    }

    @AfterEach
    void restoreAdapterPackages() {
        UnknownPools.adapterPackages = adapterPackages;
    }

    /** The agent's and the driver's frames, as every stack starts, then each caller's name, each followed by its class if it matters. */
    private static List<UnknownPools.Frame> opening(Object... callers) {
        List<UnknownPools.Frame> frames = new ArrayList<>();
        frames.add(new UnknownPools.Frame("dev.poolguard.core.UnknownPools", null));
        frames.add(new UnknownPools.Frame("dev.poolguard.core.Connections", null));
        frames.add(new UnknownPools.Frame("dev.poolguard.core.Hooks", null));
        frames.add(new UnknownPools.Frame("org.postgresql.Driver", AnyDriver.class));
        for (int i = 0; i < callers.length; i++) {
            String name = (String) callers[i];
            Class<?> type = i + 1 < callers.length && callers[i + 1] instanceof Class ? (Class<?>) callers[++i] : null;
            frames.add(new UnknownPools.Frame(name, type));
        }
        return frames;
    }

    @Test
    void applicationCallingDriverManagerKeepsItsBareConnection() {
        assertNull(UnknownPools.pool(opening("java.sql.DriverManager", "com.acme.shop.OrderRepository",
            "com.acme.shop.Main"), PG));
    }

    @Test
    void dbcp1OnTheApplicationsThreadIsNamedByItsDataSource() {
        assertEquals("org.apache.commons.dbcp.BasicDataSource", UnknownPools.pool(opening(
            "org.apache.commons.dbcp.DriverConnectionFactory",
            "org.apache.commons.dbcp.PoolableConnectionFactory",
            "org.apache.commons.pool.impl.GenericObjectPool",
            "org.apache.commons.dbcp.PoolingDataSource", AnyDataSource.class,
            "org.apache.commons.dbcp.BasicDataSource", AnyDataSource.class,
            "com.acme.shop.OrderRepository"), PG));
    }

    @Test
    void aPoolsBackgroundThreadIsKnownByItsPackage() {
        assertEquals("org.apache.commons.dbcp.DriverConnectionFactory", UnknownPools.pool(opening(
            "org.apache.commons.dbcp.DriverConnectionFactory",
            "org.apache.commons.pool.impl.GenericObjectPool",
            "org.apache.commons.pool.impl.GenericObjectPool$Evictor",
            "java.util.TimerThread"), PG));
    }

    @Test
    void aPoolLeftOutOfPoolguardPoolsIsUnknown() {
        assertEquals("com.zaxxer.hikari.util.DriverDataSource", UnknownPools.pool(opening(
            "com.zaxxer.hikari.util.DriverDataSource", AnyDataSource.class,
            "com.zaxxer.hikari.pool.PoolBase",
            "com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator",
            "java.util.concurrent.ThreadPoolExecutor"), PG));
    }

    @Test
    void anUnlistedPoolIsKnownByItsDataSource() {
        assertEquals("org.example.pooling.TinyPool", UnknownPools.pool(opening(
            "java.sql.DriverManager",
            "org.example.pooling.TinyPool$Filler",
            "org.example.pooling.TinyPool", SubclassedDataSource.class,
            "com.acme.shop.OrderRepository"), PG));
        assertEquals("org.example.pooling.PooledSource", UnknownPools.pool(opening(
            "org.example.pooling.PooledSource", AnyPooledSource.class), PG));
    }

    @Test
    void theDriversOwnDataSourceIsNoPool() {
        assertNull(UnknownPools.pool(opening(
            "org.postgresql.ds.common.BaseDataSource",
            "org.postgresql.ds.PGSimpleDataSource", AnyDataSource.class,
            "com.acme.shop.OrderRepository"), PG));
    }

    @Test
    void aDriverWrappingTheDriverIsPassedOver() {
        assertNull(UnknownPools.pool(opening(
            "com.p6spy.engine.spy.P6SpyDriver", AnyDriver.class,
            "java.sql.DriverManager",
            "com.acme.shop.OrderRepository"), PG));
        assertEquals("org.springframework.jdbc.datasource.SingleConnectionDataSource", UnknownPools.pool(opening(
            "com.p6spy.engine.spy.P6SpyDriver", AnyDriver.class,
            "java.sql.DriverManager",
            "org.springframework.jdbc.datasource.DriverManagerDataSource", AnyDataSource.class,
            "org.springframework.jdbc.datasource.AbstractDriverBasedDataSource", AnyDataSource.class,
            "org.springframework.jdbc.datasource.SingleConnectionDataSource", AnyDataSource.class,
            "com.acme.shop.OrderRepository"), PG));
    }

    /** A DataSource further out, past the application's own frames, does not make the application's connection pooled. */
    @Test
    void onlyTheCallersLibraryCounts() {
        assertNull(UnknownPools.pool(opening(
            "java.sql.DriverManager",
            "com.acme.shop.OrderRepository",
            "org.example.pooling.TinyPool", AnyDataSource.class,
            "org.apache.commons.dbcp.BasicDataSource", AnyDataSource.class), PG));
    }

    @Test
    void nothingButTheAgentTheJdkAndTheDriverIsBare() {
        assertNull(UnknownPools.pool(opening("java.sql.DriverManager"), PG));
    }

    @Test
    void prefixesStopAtThePackage() {
        assertEquals("org.postgresql.", UnknownPools.driverRoot("org.postgresql.jdbc.PgConnection"));
        assertEquals("org.h2.", UnknownPools.driverRoot("org.h2.jdbc.JdbcConnection"));
        assertEquals("org.apache.commons.", UnknownPools.library("org.apache.commons.dbcp.BasicDataSource"));
        assertEquals("com.acme.", UnknownPools.library("com.acme.Main"));
        assertEquals("", UnknownPools.library("Main"));
    }
}
