package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MySQL Connector/J in every pool, against the embedded MariaDB: killed sessions and silently dropped connections,
 * with the agent (all must be survived) and without it (recorded in the log). The driver differs from MariaDB's in
 * its errors (08S01 "Communications link failure"), its ping (COM_PING) and its abort.
 */
class MysqlDriverIT {
    private static final Runs RUNS = new Runs();

    /** The MariaDB server reached through MySQL's driver and URL scheme. */
    private static String mysqlUrl() {
        return Db.MARIADB.jdbcUrl().replaceFirst("^jdbc:mariadb:", "jdbc:mysql:") + "&sslMode=DISABLED";
    }

    static AppOutput run(boolean agent) {
        return RUNS.get("agent=" + agent, () -> {
            TestApp app = TestApp.named("MysqlDriverIT-" + (agent ? "agent" : "no-agent"))
                    .args("--db", mysqlUrl()).secret(Db.MARIADB.password())
                    .pools("all").scenarios("stale,blackhole").timeout(Duration.ofMinutes(5));
            return (agent ? app.withAgent().env(FAULT_FLAGS) : app).run();
        });
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Pool.class)
    void theMysqlDriverIsTheOneInUse(Pool pool) {
        assertEquals("mysql", run(true).section(pool, Scenario.STALE).db);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Pool.class)
    void killedSessionsAreSurvived(Pool pool) {
        AppOutput out = run(true);
        AgentExpectations.assertNoRequestFailed(out, pool, Scenario.STALE);
        if (pool.isPool()) {
            AgentExpectations.assertDeadConnectionEvicted(out, pool, Scenario.STALE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Pool.class)
    void stalledConnectionsCostAtMostThePingTimeout(Pool pool) {
        AppOutput out = run(true);
        AgentExpectations.assertNoRequestFailed(out, pool, Scenario.BLACKHOLE);
        AgentExpectations.assertStalledConnectionReplacedInTime(out, pool);
    }

    @Test
    void noAgentHookFailsAndNoSecretIsLogged() {
        AgentExpectations.assertNoHookFailed(run(true));
        AgentExpectations.assertNoAgentLineContains(run(true), Db.MARIADB.password());
    }

    @Test
    void withoutTheAgentTheSameRunIsRecordedAndTomcatFails() {
        AppOutput out = run(false);
        assertEquals(List.of(), out.linesMentioningAgent());
        for (Pool pool : Pool.values()) {
            out.section(pool, Scenario.BLACKHOLE).result();
        }
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, s::describe);
    }
}
