package dev.poolguard.testapp;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.apache.commons.dbcp2.BasicDataSource;
import org.apache.tomcat.jdbc.pool.DataSource;
import org.apache.tomcat.jdbc.pool.PoolProperties;

/**
 * A connection pool configured as a typical application does it: URL, user, password (and driver class where the
 * library wants one), everything else left at the library's defaults. The defaults are the point: they are what the
 * field reports are about.
 */
final class Pool implements AutoCloseable {

    static final List<String> NAMES = List.of("hikari", "dbcp2", "tomcat", "driver");

    /** Closing a pool whose sockets are black-holed can block for ever; the app waits this long, then moves on. */
    private static final long CLOSE_WAIT_MS = 2000;

    private interface Borrow {
        Connection get() throws SQLException;
    }

    private final String name;
    private final Borrow borrow;
    private final AutoCloseable closer;

    private Pool(String name, Borrow borrow, AutoCloseable closer) {
        this.name = name;
        this.borrow = borrow;
        this.closer = closer;
    }

    static Pool open(String name, Target target) {
        switch (name) {
            case "hikari": {
                HikariDataSource ds = new HikariDataSource();
                ds.setJdbcUrl(target.url());
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                return new Pool(name, ds::getConnection, ds);
            }
            case "dbcp2": {
                BasicDataSource ds = new BasicDataSource();
                ds.setUrl(target.url());
                ds.setDriverClassName(target.driverClass());
                ds.setUsername(target.user());
                ds.setPassword(target.password());
                return new Pool(name, ds::getConnection, ds);
            }
            case "tomcat": {
                PoolProperties properties = new PoolProperties();
                properties.setUrl(target.url());
                properties.setDriverClassName(target.driverClass());
                properties.setUsername(target.user());
                properties.setPassword(target.password());
                DataSource ds = new DataSource(properties);
                return new Pool(name, ds::getConnection, ds::close);
            }
            case "driver": // no pool: a new physical connection for every request
                return new Pool(name, () -> DriverManager.getConnection(target.url(), target.user(),
                        target.password()), () -> { });
            default:
                throw new IllegalArgumentException("unknown pool: " + name);
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
            case "tomcat":
                type = DataSource.class;
                break;
            default:
                type = DriverManager.getDriver(target.url()).getClass();
        }
        String location = type.getProtectionDomain().getCodeSource().getLocation().getPath();
        return location.substring(location.lastIndexOf('/', location.length() - 2) + 1).replace("!/", "");
    }

    Connection getConnection() throws SQLException {
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
