package dev.poolguard.bench;

import dev.poolguard.testapp.Pool;
import java.sql.Connection;
import java.sql.SQLException;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * One borrow and return, from {@code depth} frames below the benchmark, on a connection used a moment ago (inside
 * the pre-ping window, so no ping). What the agent adds here is its whole cost on the path every request takes:
 * the lease bookkeeping and, with {@code HOLD_STACK}, capturing the borrow site, which grows with the stack.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BorrowCycle {

    @Param({"hikari", "dbcp2", "tomcat", "c3p0", "druid", "agroal", "vibur", "ucp"})
    public String pool;

    @Param({"10", "100"})
    public int depth;

    private Pool connections;

    @Setup(Level.Trial)
    public void open() throws SQLException {
        connections = Pool.open(pool, Run.url());
        connections.getConnection().close();
    }

    @TearDown(Level.Trial)
    public void close() throws InterruptedException {
        connections.close();
    }

    @Benchmark
    public void borrowAndReturn(Blackhole bh) throws SQLException {
        descend(depth, bh);
    }

    private void descend(int frames, Blackhole bh) throws SQLException {
        if (frames > 0) {
            descend(frames - 1, bh);
            return;
        }
        try (Connection c = connections.getConnection()) {
            bh.consume(c);
        }
    }
}
