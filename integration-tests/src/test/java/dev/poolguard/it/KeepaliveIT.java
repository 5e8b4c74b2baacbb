package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code POOLGUARD_KEEPALIVE} against a middlebox idle timer ({@code --scenario idle-cutoff}: a proxy silently drops
 * connections idle 2 s; the pool idles 1 s, then twice 4 s). With a 1 s keepalive the pool's connections are never idle long enough
 * to be dropped: every request succeeds and no borrow meets a dead connection. Without the agent every pool hands out
 * the dropped connections and the requests hang past their deadline.
 */
class KeepaliveIT {
    private static final Runs RUNS = new Runs();

    private static AppOutput run(Db db, boolean agent) {
        return RUNS.get(db + "/" + agent, launch(db, agent));
    }

    private static Supplier<AppOutput> launch(Db db, boolean agent) {
        return () -> {
            TestApp app = TestApp.named("KeepaliveIT-" + db + (agent ? "-keepalive" : "-no-agent")).db(db)
                    .pools("all").scenarios("idle-cutoff").args("--print-mbeans", "dev.poolguard:type=Pool,*")
                    .timeout(Duration.ofMinutes(6));
            return agent
                    ? app.withAgent().env(Map.of("POOLGUARD_KEEPALIVE", "1s", "POOLGUARD_PREPING_TIMEOUT", "1s")).run()
                    : app.run();
        };
    }

    /** The three runs up front, in the background (see Runs): the slow one without the agent first. */
    @BeforeAll
    static void startRuns() {
        RUNS.start(Db.POSTGRES + "/false", launch(Db.POSTGRES, false));
        for (Db db : Db.values()) {
            RUNS.start(db + "/true", launch(db, true));
        }
    }

    static Stream<Arguments> pooled() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    /** Without the agent on PostgreSQL only: the scenario matrix's blackhole runs show the same hang on MariaDB. */
    static Stream<Arguments> pooledOnPostgres() {
        return Pool.pooled().map(p -> Arguments.of(Db.POSTGRES, p));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void idleConnectionsKeptAliveNeverReachABorrowerDead(Db db, Pool pool) {
        AppOutput.Section s = run(db, true).section(pool, Scenario.IDLE_CUTOFF);
        assertEquals(0, s.result().failed(), s::describe);
        assertEquals(60, s.result().ok(), s::describe);
        assertEquals(List.of(), s.events(e -> e.is("preping.dead", pool) || e.is("keepalive.dead", pool)),
                s::describe);
        String name = s.mbeans.keySet().stream().filter(n -> pool.namedIn(n.substring(n.indexOf("name=") + 5)))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no MBean for " + pool + ": " + s.mbeans));
        Map<String, String> m = s.mbeans.get(name);
        // The 4 s idle spell needs at least one keepalive round over the idle connections.
        assertTrue(Long.parseLong(m.get("Keepalives")) >= 1, m::toString);
        assertEquals("0", m.get("DeadFound"), m::toString);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooledOnPostgres")
    void withoutTheAgentTheDroppedConnectionsHangTheRequests(Db db, Pool pool) {
        AppOutput.Section s = run(db, false).section(pool, Scenario.IDLE_CUTOFF);
        assertTrue(s.result().failed() > 0, s::describe);
        assertTrue(s.detail().firstError().contains("missed its 6000 ms deadline"), s::describe);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void noHookFails(Db db) {
        AgentExpectations.assertNoHookFailed(run(db, true));
    }

    static Stream<Db> dbs() {
        return Arrays.stream(Db.values());
    }
}
