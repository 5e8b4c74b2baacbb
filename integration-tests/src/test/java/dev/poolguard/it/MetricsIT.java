package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent's counters as an operator reads them, through the platform MBean server of the app itself
 * ({@code --print-mbeans} after each scenario), and its JFR events as a recording started with
 * {@code -XX:StartFlightRecording} holds them, on both databases and every pool. Every figure is checked against the
 * log events of the same run, so a counter that does not count, or counts twice, fails.
 */
class MetricsIT {
    private static final Runs RUNS = new Runs();
    private static final String MBEANS = "dev.poolguard:type=Pool,*";
    private static final String SCENARIOS = "stale,recycle,hold,exhaust";

    record Run(AppOutput out, List<RecordedEvent> jfr) {}

    private static final Map<String, Run> BY_DB = new java.util.concurrent.ConcurrentHashMap<>();

    static Run run(Db db) {
        return BY_DB.computeIfAbsent(db.toString(), k -> {
            AppOutput out = RUNS.get(db.toString(), () -> launch(db));
            try {
                return new Run(out, RecordingFile.readAllEvents(recording(db)).stream()
                        .filter(e -> e.getEventType().getName().startsWith("dev.poolguard.")).toList());
            } catch (IOException e) {
                throw new UncheckedIOException("no JFR recording at " + recording(db), e);
            }
        });
    }

    private static Path recording(Db db) {
        return ItSettings.workDir().resolve("MetricsIT-" + db + ".jfr").toAbsolutePath();
    }

    private static AppOutput launch(Db db) {
        return TestApp.named("MetricsIT-" + db).db(db).withAgent()
                .env(Map.of("POOLGUARD_HOLD_WARN", "1s", "POOLGUARD_MAX_LIFETIME", "2s",
                        "POOLGUARD_PREPING_TIMEOUT", "1s", "POOLGUARD_HOLD_STACK", "true"))
                .jvmArg("-XX:StartFlightRecording=filename=" + recording(db) + ",dumponexit=true")
                .pools("all").scenarios(SCENARIOS).args("--print-mbeans", MBEANS)
                .timeout(Duration.ofMinutes(6)).run();
    }

    private static AppOutput launchJmxOff() {
        return TestApp.named("MetricsIT-jmx-off").db(Db.POSTGRES).withAgent().env("POOLGUARD_JMX", "false")
                .pools("hikari").scenarios("stale").args("--print-mbeans", MBEANS).run();
    }

    /** Every run up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (Db db : Db.values()) {
            RUNS.start(db.toString(), () -> launch(db));
        }
        RUNS.start("jmx-off", MetricsIT::launchJmxOff);
    }

    static Stream<Arguments> pooled() {
        return Arrays.stream(Db.values()).flatMap(db -> Pool.pooled().map(p -> Arguments.of(db, p)));
    }

    /** The one pool instance a scenario built, as the agent named it in that scenario's events. */
    private static String poolName(AppOutput.Section s) {
        // A count of lines cut from an earlier scenario (log.suppressed) may arrive during this one: not its pool.
        List<String> names = s.events.stream().filter(e -> s.pool.namedIn(e.pool) && !e.type.equals("log.suppressed"))
                .map(e -> e.pool).distinct().toList();
        assertEquals(1, names.size(), () -> "one pool per scenario\n" + s.describe());
        return names.get(0);
    }

    private static Map<String, String> mbean(AppOutput.Section s, String poolName) {
        Map<String, String> attributes = s.mbeans.get("dev.poolguard:type=Pool,name=" + poolName);
        assertTrue(attributes != null, () -> "no MBean for " + poolName + " among " + s.mbeans.keySet());
        return attributes;
    }

    private static long count(AppOutput.Section s, String type, String poolName) {
        return s.events(e -> e.type.equals(type) && e.pool.equals(poolName)).size();
    }

    /**
     * Lines of {@code type} about {@code poolName} the agent did not write because more than five came within a
     * second, as its {@code log.suppressed} lines count them (written up to a second later, so looked for in the run).
     */
    private static long cut(AppOutput out, String type, String poolName) {
        return out.events().stream().filter(e -> e.type.equals("log.suppressed") && e.pool.equals(poolName)
                && type.equals(e.field("event"))).mapToLong(e -> Long.parseLong(e.field("lines"))).sum();
    }

    private static List<RecordedEvent> jfr(Run run, String type, String poolName) {
        return run.jfr().stream().filter(e -> e.getEventType().getName().equals("dev.poolguard." + type)
                && poolName.equals(e.getString("pool"))).toList();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void deadConnectionsFoundAtBorrowAreCountedAndRecorded(Db db, Pool pool) {
        Run run = run(db);
        AppOutput.Section s = run.out().section(pool, Scenario.STALE);
        assertEquals(0, s.result().failed(), s::describe);
        String name = poolName(s);
        Map<String, String> m = mbean(s, name);
        assertEquals(pool.cli, m.get("Adapter"));
        List<AgentEvent> dead = s.events(e -> e.is("preping.dead", pool));
        assertTrue(!dead.isEmpty(), s::describe);
        long cut = cut(run.out(), "preping.dead", name);
        long byAgent = dead.stream().filter(e -> "poolguard".equals(e.field("by"))).count();
        long evicted = Long.parseLong(m.get("EvictedDead"));
        assertEquals(dead.size() + cut, Long.parseLong(m.get("DeadFound")), () -> m + "\n" + s.describe());
        assertTrue(evicted >= byAgent && evicted <= byAgent + cut, () -> m + "\n" + s.describe());
        assertTrue(Long.parseLong(m.get("Pings")) >= byAgent, m::toString);
        assertTrue(Long.parseLong(m.get("Borrows")) >= s.result().ok(), () -> m + " " + s.result());
        assertEquals("0", m.get("ActiveLeases"), "every lease ended with the scenario");

        // JFR records every one, the log all but those it cut.
        List<RecordedEvent> recorded = jfr(run, "DeadConnection", name);
        assertEquals(Long.parseLong(m.get("DeadFound")), recorded.size(), s::describe);
        Map<String, Long> byDetector = recorded.stream()
                .collect(Collectors.groupingBy(e -> e.getString("detectedBy"), Collectors.counting()));
        Map<String, Long> logged = dead.stream().collect(Collectors.groupingBy(e -> e.field("by"), Collectors.counting()));
        if (cut == 0) {
            assertEquals(logged, byDetector, s::describe);
        } else {
            logged.forEach((by, n) -> assertTrue(byDetector.getOrDefault(by, 0L) >= n, s::describe));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void recyclingIsCountedAndRecorded(Db db, Pool pool) {
        Run run = run(db);
        AppOutput.Section s = run.out().section(pool, Scenario.RECYCLE);
        String name = poolName(s);
        long written = count(s, "recycle", name);
        long cut = cut(run.out(), "recycle", name);
        long recycled = written + cut;
        assertTrue(recycled >= 1, s::describe);
        assertEquals(recycled, Long.parseLong(mbean(s, name).get("Recycled")), s::describe);
        List<RecordedEvent> events = jfr(run, "Recycle", name);
        assertEquals(recycled, events.size(), s::describe);
        assertTrue(events.stream().allMatch(e -> e.getLong("age") >= 1900), () -> events.toString());
        if (cut == 0) {
            assertEquals(s.events(e -> e.type.equals("recycle") && e.pool.equals(name)).stream()
                    .map(e -> e.field("at")).sorted().toList(), events.stream().map(e -> e.getString("at")).sorted()
                    .toList());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void aLongHoldIsCountedAndRecordedWithItsHolderAndBorrowSite(Db db, Pool pool) {
        Run run = run(db);
        AppOutput.Section s = run.out().section(pool, Scenario.HOLD);
        String name = poolName(s);
        assertEquals(1, count(s, "hold.long", name), s::describe);
        assertEquals("1", mbean(s, name).get("LongHolds"), s::describe);
        List<RecordedEvent> events = jfr(run, "LongHold", name);
        assertEquals(1, events.size(), events::toString);
        RecordedEvent e = events.get(0);
        assertEquals("hold-request-1", e.getThread("holder").getJavaName());
        assertTrue(e.getLong("held") >= 1000, e::toString);
        assertTrue(e.getString("borrowSite").contains("HoldScenario.handleDownloadRequest"), e::toString);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("pooled")
    void everyExhaustedBorrowIsCountedAndRecorded(Db db, Pool pool) {
        Run run = run(db);
        AppOutput.Section s = run.out().section(pool, Scenario.EXHAUST);
        String name = poolName(s);
        assertEquals(2, s.result().failed(), s::describe);
        // Two timeouts, one dump (EXHAUSTION_DUMP_INTERVAL), but both counted and both recorded.
        assertEquals(1, count(s, "pool.exhausted", name), s::describe);
        assertEquals("2", mbean(s, name).get("Exhausted"), s::describe);
        List<RecordedEvent> events = jfr(run, "PoolExhausted", name);
        assertEquals(2, events.size(), events::toString);
        for (RecordedEvent e : events) {
            assertEquals(2, e.getInt("max"), e::toString);
            assertEquals(2, e.getInt("leased"), e::toString);
            assertTrue(e.getLong("waited") >= 900, e::toString);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void bareConnectionsHaveOneMBeanForTheWholeApp(Db db) {
        Run run = run(db);
        // The last scenario for bare connections: every one of them was opened by then.
        AppOutput.Section s = run.out().section(Pool.DRIVER, Scenario.EXHAUST);
        Map<String, String> m = mbean(s, "driver");
        long holds = run.out().events().stream().filter(e -> e.is("hold.long", Pool.DRIVER)).count()
                + cut(run.out(), "hold.long", "driver");
        assertTrue(holds >= 1, s::describe);
        assertEquals(holds, Long.parseLong(m.get("LongHolds")), m::toString);
        assertEquals(holds, jfr(run, "LongHold", "driver").size());
        assertTrue(Long.parseLong(m.get("Borrows")) >= s.result().ok(), m::toString);
    }

    static Stream<Db> dbs() {
        return Arrays.stream(Db.values());
    }

    @Test
    void jmxCanBeTurnedOff() {
        AppOutput out = RUNS.get("jmx-off", MetricsIT::launchJmxOff);
        AppOutput.Section s = out.section(Pool.HIKARI, Scenario.STALE);
        assertEquals(0, s.result().failed(), s::describe);
        assertTrue(!s.events(e -> e.is("preping.dead", Pool.HIKARI)).isEmpty(), s::describe);
        assertEquals(Map.of(), s.mbeans);
        assertEquals(List.of(), out.events("config.invalid"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dbs")
    void noHookFails(Db db) {
        AgentExpectations.assertNoHookFailed(run(db).out());
    }
}
