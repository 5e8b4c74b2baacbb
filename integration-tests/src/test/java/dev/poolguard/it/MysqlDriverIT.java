package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * MySQL Connector/J in every pool, against the embedded MariaDB: killed sessions and silently dropped connections,
 * with the agent (all must be survived) and without it (recorded in the log). The password is in the URL as
 * {@code user:password@host}; with the agent every scenario runs, and no line of the agent's may hold it. The
 * driver differs from MariaDB's in its errors (08S01 "Communications link failure"), its ping (COM_PING) and its abort.
 */
class MysqlDriverIT {
    private static final Runs RUNS = new Runs();
    /**
     * Every scenario but the minute-long soak, with the agent, split over three runs so that two share the server at
     * once (see Runs); the restart has it to itself.
     */
    private static final List<List<Scenario>> AGENT_RUNS = List.of(
            List.of(Scenario.STALE, Scenario.BLACKHOLE, Scenario.RECYCLE, Scenario.HOLD, Scenario.IDLE,
                    Scenario.EXHAUST),
            List.of(Scenario.BACKGROUND, Scenario.LEAK, Scenario.IDLE_CUTOFF, Scenario.SERVER_IDLE, Scenario.RESET,
                    Scenario.DROP_ONE),
            List.of(Scenario.RESTART));
    private static final List<Scenario> EVERY_SCENARIO = AGENT_RUNS.stream().flatMap(List::stream).toList();

    /**
     * A MariaDB URL in MySQL's driver's form and scheme, with user and password in the URL's {@code user:password@}
     * part (a form only Connector/J takes; the other suites pass them as query parameters).
     */
    static String mysqlUrl(String mariadbUrl) {
        Matcher m = Pattern.compile("jdbc:mariadb://([^/?]+)(/[^?]*)\\?user=([^&]+)&password=([^&]+)")
                .matcher(mariadbUrl);
        assertTrue(m.matches(), mariadbUrl);
        return "jdbc:mysql://" + m.group(3) + ":" + m.group(4) + "@" + m.group(1) + m.group(2) + "?sslMode=DISABLED";
    }

    /** The run with the agent that has this scenario. */
    static AppOutput run(Scenario scenario) {
        for (int i = 0; i < AGENT_RUNS.size(); i++) {
            if (AGENT_RUNS.get(i).contains(scenario)) {
                int group = i;
                return RUNS.get("agent-" + group, () -> launchWithAgent(group));
            }
        }
        throw new IllegalArgumentException(scenario + " is not run with the agent");
    }

    /** Without the agent, the two fault tests. */
    static AppOutput runWithoutAgent() {
        return RUNS.get("no-agent", MysqlDriverIT::launchWithoutAgent);
    }

    private static AppOutput launchWithAgent(int group) {
        List<Scenario> scenarios = AGENT_RUNS.get(group);
        TestApp app = TestApp.named("MysqlDriverIT-agent-" + scenarios.get(0)).db(Db.MARIADB, MysqlDriverIT::mysqlUrl)
                .pools("all")
                .scenarios(scenarios.stream().map(s -> s.cli).collect(Collectors.joining(",")))
                .timeout(Duration.ofMinutes(8)).withAgent().env(FAULT_FLAGS);
        return (scenarios.contains(Scenario.RESTART) ? app.restartsServer(2000) : app).run();
    }

    private static AppOutput launchWithoutAgent() {
        return TestApp.named("MysqlDriverIT-no-agent").db(Db.MARIADB, MysqlDriverIT::mysqlUrl).pools("all")
                .scenarios("stale,blackhole")
                .timeout(Duration.ofMinutes(6)).run();
    }

    /** Every run up front, in the background: the restart first, while it has the server to itself. */
    @BeforeAll
    static void startRuns() {
        for (int group : new int[] {2, 0, 1}) {
            RUNS.start("agent-" + group, () -> launchWithAgent(group));
        }
        RUNS.start("no-agent", MysqlDriverIT::launchWithoutAgent);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, mode = EnumSource.Mode.EXCLUDE, names = "H2POOL")
    void theMysqlDriverIsTheOneInUse(Pool pool) {
        assertEquals("mysql", run(Scenario.STALE).section(pool, Scenario.STALE).db);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, mode = EnumSource.Mode.EXCLUDE, names = "H2POOL")
    void killedSessionsAreSurvived(Pool pool) {
        AppOutput out = run(Scenario.STALE);
        AgentExpectations.assertNoRequestFailed(out, pool, Scenario.STALE);
        if (pool.isPool()) {
            AgentExpectations.assertDeadConnectionEvicted(out, pool, Scenario.STALE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, mode = EnumSource.Mode.EXCLUDE, names = "H2POOL")
    void stalledConnectionsCostAtMostThePingTimeout(Pool pool) {
        AppOutput out = run(Scenario.BLACKHOLE);
        AgentExpectations.assertNoRequestFailed(out, pool, Scenario.BLACKHOLE);
        AgentExpectations.assertStalledConnectionReplacedInTime(out, pool);
    }

    /**
     * The field report's case on MySQL's own driver ("Lost connection to MySQL server during query"): a connection
     * carried into background work outlives the session. Connector/J closes the statement as that query fails, and
     * then refuses to name its connection: the agent asks before the call, so it can say what happened.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, mode = EnumSource.Mode.EXCLUDE, names = "H2POOL")
    void aConnectionLostDuringBackgroundWorkIsDiagnosed(Pool pool) {
        AppOutput.Section s = run(Scenario.BACKGROUND).section(pool, Scenario.BACKGROUND);
        assertEquals(1, s.result().failed(), s::describe);
        List<AgentEvent> failures = s.events(e -> e.type.equals("connection.failed"));
        assertEquals(1, failures.size(), s::describe);
        assertTrue(pool.namedIn(failures.get(0).pool), failures.get(0)::text);
        assertEquals("report-job-1", failures.get(0).field("thread"), failures.get(0)::text);
    }

    @Test
    void noAgentHookFailsAndNoSecretIsLogged() {
        assertTrue(mysqlUrl(Db.MARIADB.jdbcUrl()).contains(":" + Db.MARIADB.password() + "@"));
        assertEquals(EnumSet.complementOf(EnumSet.of(Scenario.SOAK)), EnumSet.copyOf(EVERY_SCENARIO));
        for (Pool pool : Pool.guarded()) {
            for (Scenario scenario : EVERY_SCENARIO) {
                assertTrue(run(scenario).section(pool, scenario).hasResult(), pool + " " + scenario + " did not run");
            }
        }
        for (List<Scenario> group : AGENT_RUNS) {
            AgentExpectations.assertNoHookFailed(run(group.get(0)));
            AgentExpectations.assertNoAgentLineContains(run(group.get(0)), Db.MARIADB.password());
        }
    }

    @Test
    void withoutTheAgentTheSameRunIsRecordedAndTomcatFails() {
        AppOutput out = runWithoutAgent();
        assertEquals(List.of(), out.linesMentioningAgent());
        for (Pool pool : Pool.guarded()) {
            out.section(pool, Scenario.BLACKHOLE).result();
        }
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, s::describe);
    }
}
