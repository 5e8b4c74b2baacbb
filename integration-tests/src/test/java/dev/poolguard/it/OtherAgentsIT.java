package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PoolGuard beside the observability agents production JVMs already run, each from Maven Central and kept off the
 * network: OpenTelemetry (logging exporter), Elastic APM ({@code disable_send}) and Datadog ({@code LoggingWriter}),
 * each given before and after PoolGuard. Those agents rewrite the same driver classes, adding interfaces and fields
 * of their own. Each run does the kill and silent-drop scenarios, a connection killed during background work and a
 * borrower's leaked session state, and must give what PoolGuard alone gives in the same setting: the same requests
 * succeed and fail and the same events are logged, no hook fails, and PoolGuard prints nothing about the other agent's
 * classes. The other agent's own output shows it still traced the JDBC calls.
 *
 * <p>CI runs each agent in both orders on PostgreSQL with HikariCP, DBCP2 and c3p0 from the plain jar, OpenTelemetry
 * first from the Spring Boot jar, and Datadog first on MariaDB. {@code -Dpoolguard.it.agents=full}: every pool, both
 * databases, both orders, plain and Spring Boot jar.
 */
class OtherAgentsIT {
    private static final Runs RUNS = new Runs();
    private static final String SCENARIOS = "stale,blackhole,background,leak";
    private static final String CI_POOLS = "hikari,dbcp2,c3p0";
    /** Events that show PoolGuard did its work in these scenarios; each must appear exactly as often as alone. */
    private static final List<String> COUNTED = List.of("connection.failed", "state.leaked");
    /** Logged once or more, depending on timing: it must appear whenever it appears alone. */
    private static final String DEAD = "preping.dead";
    /**
     * A short ping timeout, borrow sites always captured; no maximum lifetime (unlike ScenarioMatrixIT's flags): a
     * run slowed by a heavy agent's start-up would recycle the killed connections by age instead of finding them dead.
     */
    private static final Map<String, String> FLAGS = Map.of("POOLGUARD_PREPING_TIMEOUT", "1s",
            "POOLGUARD_HOLD_STACK", "true");

    enum OtherAgent {
        OPENTELEMETRY("opentelemetry-javaagent.jar", "io.opentelemetry.javaagent.",
                // A JDBC client span, printed by the logging exporter.
                Pattern.compile("LoggingSpanExporter - .*db\\.system=(postgresql|mariadb)"),
                "-Dotel.traces.exporter=logging", "-Dotel.metrics.exporter=none", "-Dotel.logs.exporter=none",
                "-Dotel.service.name=poolguard-test-app"),
        ELASTIC("elastic-apm-agent.jar", "co.elastic.apm.",
                // Spans exist only inside a transaction: the scenarios' methods make one each (trace_methods).
                Pattern.compile("endSpan '(SELECT|INSERT|UPDATE)"),
                "-Delastic.apm.disable_send=true", "-Delastic.apm.central_config=false",
                "-Delastic.apm.cloud_provider=NONE", "-Delastic.apm.service_name=poolguard-test-app",
                "-Delastic.apm.trace_methods=dev.poolguard.testapp.*Scenario#*", "-Delastic.apm.log_level=debug"),
        DATADOG("dd-java-agent.jar", "datadog.",
                Pattern.compile("LoggingWriter - write\\(trace\\): .*\"name\":\"(postgresql|mariadb)\\.query\""),
                "-Ddd.writer.type=LoggingWriter", "-Ddd.log.level=info", "-Ddd.trace.startup.logs=false",
                "-Ddd.service=poolguard-test-app", "-Ddd.instrumentation.telemetry.enabled=false",
                "-Ddd.remote_config.enabled=false", "-Ddd.jmxfetch.enabled=false", "-Ddd.health.metrics.enabled=false",
                "-Ddd.runtime-metrics.enabled=false", "-Ddd.profiling.enabled=false");

        final String jar;
        final String ownPackage;
        final Pattern tracedJdbc;
        final List<String> options;

        OtherAgent(String jar, String ownPackage, Pattern tracedJdbc, String... options) {
            this.jar = jar;
            this.ownPackage = ownPackage;
            this.tracedJdbc = tracedJdbc;
            this.options = List.of(options);
        }

        String javaagent() {
            return "-javaagent:" + ItSettings.otherAgents().resolve(jar);
        }
    }

    /** One run: beside {@code other} (null: PoolGuard alone), given {@code first} or after PoolGuard. */
    record Setup(OtherAgent other, boolean first, Db db, boolean bootJar) {
        String name() {
            return (other == null ? "alone" : other.name().toLowerCase() + (first ? "-first" : "-after")) + "-" + db
                    + (bootJar ? "-boot" : "-jar");
        }

        /**
         * Every agent in both orders on PostgreSQL from the plain jar; OpenTelemetry first from the Spring Boot jar
         * (the usual production setting); Datadog first on MariaDB.
         */
        boolean inCi() {
            return db == Db.POSTGRES && !bootJar
                    || other == OtherAgent.OPENTELEMETRY && first && db == Db.POSTGRES
                    || other == OtherAgent.DATADOG && first && db == Db.MARIADB && !bootJar;
        }

        Setup alone() {
            return new Setup(null, false, db, bootJar);
        }

        @Override
        public String toString() {
            return name();
        }
    }

    static Stream<Setup> setups() {
        List<Setup> all = new ArrayList<>();
        boolean full = ItSettings.allOtherAgentCombinations();
        for (OtherAgent other : OtherAgent.values()) {
            for (boolean first : new boolean[] {true, false}) {
                for (Db db : Db.values()) {
                    for (boolean boot : new boolean[] {false, true}) {
                        Setup s = new Setup(other, first, db, boot);
                        if (full || s.inCi()) {
                            all.add(s);
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    private static String pools() {
        return ItSettings.allOtherAgentCombinations() ? "all" : CI_POOLS;
    }

    private static List<Pool> testedPools() {
        return Pool.pooled().filter(p -> pools().equals("all") || List.of(CI_POOLS.split(",")).contains(p.cli))
                .toList();
    }

    static AppOutput run(Setup setup) {
        return RUNS.get(setup.name(), () -> launch(setup));
    }

    private static AppOutput launch(Setup setup) {
        TestApp app = TestApp.named("OtherAgentsIT-" + setup.name()).db(setup.db).withAgent()
                .env(FLAGS).pools(pools()).scenarios(SCENARIOS).timeout(Duration.ofMinutes(6));
        if (setup.bootJar) {
            app.bootJar();
        }
        if (setup.other != null) {
            if (setup.first) {
                app.leadingJvmArg(setup.other.javaagent());
            } else {
                app.jvmArg(setup.other.javaagent());
            }
            setup.other.options.forEach(app::jvmArg);
        }
        return app.run();
    }

    /** Every run up front, in the background (see Runs), each next to the run alone it is compared with. */
    @BeforeAll
    static void startRuns() {
        setups().flatMap(s -> Stream.of(s.alone(), s)).distinct()
                .forEach(s -> RUNS.start(s.name(), () -> launch(s)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void everyPoolAndScenarioEndsAsWithPoolGuardAlone(Setup setup) {
        AppOutput alone = run(setup.alone());
        AppOutput beside = run(setup);
        List<String> differences = new ArrayList<>();
        for (Pool pool : testedPools()) {
            for (String scenario : SCENARIOS.split(",")) {
                Scenario sc = Scenario.fromCli(scenario);
                differences(alone.section(pool, sc), beside.section(pool, sc))
                        .forEach(d -> differences.add(pool + "/" + scenario + ": " + d));
            }
        }
        assertEquals(List.of(), differences, () -> beside + " against " + alone);
    }

    /** What differs in one pool and scenario. */
    private static List<String> differences(AppOutput.Section alone, AppOutput.Section beside) {
        List<String> found = new ArrayList<>();
        Pool pool = alone.pool;
        if (count(alone, DEAD, pool) > 0 && count(beside, DEAD, pool) == 0) {
            found.add(DEAD + " alone, none beside");
        }
        if (alone.result().ok() != beside.result().ok() || alone.result().failed() != beside.result().failed()) {
            found.add("alone " + alone.result() + ", beside " + beside.result());
        }
        for (String type : COUNTED) {
            long n = count(alone, type, pool);
            long m = count(beside, type, pool);
            if (n != m) {
                found.add(type + " " + n + " alone, " + m + " beside");
            }
        }
        return found;
    }

    /** What PoolGuard must do in these scenarios at all, so that the comparison above is not of two failures. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void poolGuardDidItsWork(Setup setup) {
        AppOutput beside = run(setup);
        for (Pool pool : testedPools()) {
            AgentExpectations.assertNoRequestFailed(beside, pool, Scenario.STALE);
            AgentExpectations.assertNoRequestFailed(beside, pool, Scenario.BLACKHOLE);
            AgentExpectations.assertDeadConnectionEvicted(beside, pool, Scenario.STALE);
            AppOutput.Section background = beside.section(pool, Scenario.BACKGROUND);
            assertEquals(1, count(background, "connection.failed", pool), background::describe);
            AppOutput.Section leak = beside.section(pool, Scenario.LEAK);
            assertEquals(0, leak.result().failed(), leak::describe);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void noHookFailsAndNothingIsSaidAboutTheOtherAgent(Setup setup) {
        AppOutput beside = run(setup);
        AgentExpectations.assertNoHookFailed(beside);
        // The events' own lines: a stack PoolGuard prints (a holder's) may pass through the other agent's code.
        List<String> about = beside.events().stream().map(e -> e.line)
                .filter(l -> l.contains(setup.other.ownPackage) || l.contains(setup.other.ownPackage.replace('.', '/')))
                .collect(Collectors.toList());
        assertEquals(List.of(), about, () -> beside + ": PoolGuard printed lines about " + setup.other);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void theOtherAgentStillTracesJdbc(Setup setup) {
        AppOutput beside = run(setup);
        assertTrue(beside.lines().stream().anyMatch(l -> setup.other.tracedJdbc.matcher(l).find()),
                () -> beside + ": no line of " + setup.other + " matches " + setup.other.tracedJdbc);
    }

    private static long count(AppOutput.Section s, String type, Pool pool) {
        return s.events(e -> e.is(type, pool)).size();
    }
}
