package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MySQL Connector/J in every pool, against the embedded MariaDB: killed sessions and silently dropped connections,
 * with the agent (all must be survived) and without it (recorded in the log). The password is in the URL as
 * {@code user:password@host}; with the agent every scenario runs, and no line of the agent's may hold it. The driver differs from MariaDB's in
 * its errors (08S01 "Communications link failure"), its ping (COM_PING) and its abort.
 */
class MysqlDriverIT {
    private static final Runs RUNS = new Runs();

    /**
     * The MariaDB server reached through MySQL's driver and URL scheme, with user and password in the URL's
     * {@code user:password@} part (a form only Connector/J takes; the other suites pass them as query parameters).
     */
    static String mysqlUrl() {
        String url = Db.MARIADB.jdbcUrl();
        Matcher m = Pattern.compile("jdbc:mariadb://([^/?]+)(/[^?]*)\\?user=([^&]+)&password=([^&]+)").matcher(url);
        assertTrue(m.matches(), url);
        return "jdbc:mysql://" + m.group(3) + ":" + m.group(4) + "@" + m.group(1) + m.group(2) + "?sslMode=DISABLED";
    }

    /** Every scenario but the minute-long soak: the password in the URL's user part meets all of them. */
    private static final List<Scenario> EVERY_SCENARIO =
            Arrays.stream(Scenario.values()).filter(s -> s != Scenario.SOAK).toList();

    /** With the agent every scenario runs (the server restarts once); without it the two fault tests. */
    static AppOutput run(boolean agent) {
        return RUNS.get("agent=" + agent, () -> {
            TestApp app = TestApp.named("MysqlDriverIT-" + (agent ? "agent" : "no-agent"))
                    .args("--db", mysqlUrl()).secret(Db.MARIADB.password()).pools("all");
            if (!agent) {
                return app.scenarios("stale,blackhole").timeout(Duration.ofMinutes(5)).run();
            }
            return app.scenarios(EVERY_SCENARIO.stream().map(s -> s.cli).collect(Collectors.joining(",")))
                    .onEveryLine("FAULT restart", line -> Db.MARIADB.restart(2000))
                    .timeout(Duration.ofMinutes(12)).withAgent().env(FAULT_FLAGS).run();
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

    /**
     * The field report's case on MySQL's own driver ("Lost connection to MySQL server during query"): a connection
     * carried into background work outlives the session. Connector/J closes the statement as that query fails, and
     * then refuses to name its connection: the agent asks before the call, so it can say what happened.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Pool.class)
    void aConnectionLostDuringBackgroundWorkIsDiagnosed(Pool pool) {
        AppOutput.Section s = run(true).section(pool, Scenario.BACKGROUND);
        assertEquals(1, s.result().failed(), s::describe);
        List<AgentEvent> failures = s.events(e -> e.type.equals("connection.failed"));
        assertEquals(1, failures.size(), s::describe);
        assertTrue(pool.namedIn(failures.get(0).pool), failures.get(0)::text);
        assertEquals("report-job-1", failures.get(0).field("thread"), failures.get(0)::text);
    }

    @Test
    void noAgentHookFailsAndNoSecretIsLogged() {
        assertTrue(mysqlUrl().contains(":" + Db.MARIADB.password() + "@"), MysqlDriverIT::mysqlUrl);
        for (Pool pool : Pool.values()) {
            for (Scenario scenario : EVERY_SCENARIO) {
                assertTrue(run(true).section(pool, scenario).hasResult(), pool + " " + scenario + " did not run");
            }
        }
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
