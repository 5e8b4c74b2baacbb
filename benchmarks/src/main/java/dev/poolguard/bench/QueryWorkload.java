package dev.poolguard.bench;

import dev.poolguard.testapp.Pool;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/** A request as an app makes it, from 8 threads at once: borrow, {@code SELECT 1}, return. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(8)
public class QueryWorkload {

    @Param({"hikari", "dbcp2", "tomcat", "c3p0", "druid", "agroal", "vibur", "ucp"})
    public String pool;

    private Pool connections;

    @Setup(Level.Trial)
    public void open() throws SQLException {
        connections = Pool.open(pool, Run.url());
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        connections.close();
    }

    @Benchmark
    public int selectOne() throws SQLException {
        try (Connection c = connections.getConnection(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT 1")) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
