package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Configuration as a user meets it: bad values are reported once each and replaced by defaults without breaking
 * the app, POOLGUARD_ENABLED=false makes the agent inert, and an agent argument beats a system property, which
 * beats an environment variable. Small runs of Tomcat JDBC on PostgreSQL, one JVM per configuration.
 */
class ConfigIT {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern SETTING = Pattern.compile("([A-Za-z][\\w.-]*)=([^,(\\s]+)\\s*\\(([^)]*)\\)");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");
    private static final Runs RUNS = new Runs();

    static AppOutput badValues() {
        // Every flag bad at once (BadInputTest covers each against every kind of bad value), an unknown name and a
        // malformed agent argument: one line each, and the app runs on the defaults.
        return RUNS.get("bad-values", () -> TestApp.named("ConfigIT-bad-values").withAgent("hold.warn")
                .env("POOLGUARD_ENABLED", "yes")
                .env("POOLGUARD_POOLS", "bonecp")
                .env("POOLGUARD_PREPING", "maybe")
                .env("POOLGUARD_PREPING_IDLE", "-1s")
                .env("POOLGUARD_PREPING_TIMEOUT", "abc")
                .env("POOLGUARD_MAX_LIFETIME", "10parsecs")
                .env("POOLGUARD_HOLD_WARN", "-5s")
                .env("POOLGUARD_HOLD_STACK", "sometimes")
                .env("POOLGUARD_EXHAUSTION_DUMP_INTERVAL", "99999999999999999999")
                .env("POOLGUARD_KEEPALIVE", "1.5s")
                .env("POOLGUARD_STATE_RESET", "on")
                .env("POOLGUARD_JMX", "2")
                .env("POOLGUARD_PREWOVEN", "yes")
                .env("POOLGUARD_LOG_LEVEL", "loud")
                .env("POOLGUARD_PREPNG_IDLE", "1s")
                .db(Db.POSTGRES).pools("tomcat").scenarios("stale").timeout(TIMEOUT).run());
    }

    static AppOutput disabled() {
        return RUNS.get("disabled", () -> TestApp.named("ConfigIT-disabled").withAgent()
                .env(FAULT_FLAGS).env("POOLGUARD_ENABLED", "false")
                .db(Db.POSTGRES).pools("tomcat").scenarios("stale,hold").timeout(TIMEOUT).run());
    }

    /** The agent three times: two -javaagent options, then an attach to the running app. */
    static AppOutput thrice() {
        // No short MAX_LIFETIME: the attach slows the app enough that the killed sessions would be recycled instead.
        return RUNS.get("thrice", () -> TestApp.named("ConfigIT-thrice").withAgent().env("POOLGUARD_PREPING_TIMEOUT", "1s")
                .jvmArg("-javaagent:" + ItSettings.agentJar())
                .db(Db.POSTGRES).pools("tomcat").scenarios("stale").timeout(TIMEOUT)
                // Alive when the attach comes: at the default 1 s idle the app can have exited by then.
                .args("--idle-before-kill", AttachIT.IDLE_MS)
                .run("SCENARIO pool=tomcat", AttachIT::attach));
    }

    static AppOutput precedence() {
        return RUNS.get("precedence", () -> TestApp.named("ConfigIT-precedence").withAgent("hold.warn=1s")
                .env("POOLGUARD_HOLD_WARN", "10m").systemProperty("poolguard.hold.warn", "5m")
                .env("POOLGUARD_MAX_LIFETIME", "10m").systemProperty("poolguard.max.lifetime", "20m")
                .db(Db.POSTGRES).pools("tomcat").scenarios("hold").timeout(TIMEOUT).run());
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({"ENABLED, yes", "POOLS, bonecp", "PREPING, maybe", "PREPING_IDLE, -1s", "PREPING_TIMEOUT, abc",
        "MAX_LIFETIME, 10parsecs", "HOLD_WARN, -5s", "HOLD_STACK, sometimes",
        "EXHAUSTION_DUMP_INTERVAL, 99999999999999999999", "KEEPALIVE, 1.5s", "STATE_RESET, on", "JMX, 2",
        "PREWOVEN, yes", "LOG_LEVEL, loud", "PREPNG_IDLE, 1s", "AGENT_ARGUMENT, hold.warn"})
    void eachBadFlagIsReportedOnceWithItsValue(String flag, String value) {
        AppOutput out = badValues();
        List<AgentEvent> reports = out.events("config.invalid").stream()
                .filter(e -> flag.equals(flagName(e.field("flag")))).collect(Collectors.toList());
        assertEquals(1, reports.size(), () -> "config.invalid for " + flag + ": " + out.events("config.invalid"));
        AgentEvent report = reports.get(0);
        assertEquals(value, report.field("value"), report::toString);
        assertFalse(report.field("expected") == null || report.field("expected").isEmpty(), report::toString);
        assertNotNull(report.field("using"), report::toString);
    }

    @Test
    void onlyTheBadFlagsAreReported() {
        assertEquals(16, badValues().events("config.invalid").size(), () -> badValues().events("config.invalid")
                .toString());
        List<AgentEvent> started = badValues().events("agent.started");
        assertEquals(1, started.size(), badValues()::toString);
        assertEquals("defaults", started.get(0).field("settings"), started.get(0)::text);
    }

    @Test
    void badFlagsFallBackToDefaultsAndTheAppKeepsWorking() {
        AgentExpectations.assertNoRequestFailed(badValues(), Pool.TOMCAT, Scenario.STALE);
    }

    @Test
    void anAgentAttachedAgainInstallsOnceAndSaysSo() {
        AppOutput out = thrice();
        assertEquals(1, out.events("agent.started").size(), () -> out.agentLines().toString());
        List<AgentEvent> duplicates = out.events("agent.duplicate");
        assertEquals(2, duplicates.size(), () -> out.agentLines().toString());
        duplicates.forEach(d -> assertTrue(d.line.contains("action=ignored, already installed"), d::text));
        // Installed once: each killed session is evicted once, by one copy, and every request succeeds.
        AgentExpectations.assertAgentHandled(out, Pool.TOMCAT, Scenario.STALE);
        AgentExpectations.assertNoHookFailed(out);
    }

    @Test
    void disabledAgentPrintsNothing() {
        assertEquals(List.of(), disabled().linesMentioningAgent());
    }

    @Test
    void disabledAgentLeavesTomcatHandingOutKilledSessions() {
        AppOutput.Section s = disabled().section(Pool.TOMCAT, Scenario.STALE);
        assertTrue(s.result().failed() > 0, () -> "as without the agent, tomcat should fail: " + s.describe());
    }

    @Test
    void agentArgumentBeatsSystemPropertyAndEnvironment() {
        AppOutput out = precedence();
        assertSetting(out, "HOLD_WARN", 1_000, "arg");
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.HOLD);
        assertFalse(s.events(e -> e.is("hold.long", Pool.TOMCAT)).isEmpty(),
                () -> "hold.warn=1s from the agent argument should report the 2.5 s hold\n" + s.describe());
    }

    @Test
    void systemPropertyBeatsEnvironment() {
        assertSetting(precedence(), "MAX_LIFETIME", 20 * 60_000, "sys|prop");
    }

    /** Asserts that agent.started lists the flag with the value (in ms) and a source matching the pattern. */
    private static void assertSetting(AppOutput out, String flag, long millis, String source) {
        List<AgentEvent> started = out.events("agent.started");
        assertEquals(1, started.size(), () -> "agent.started lines: " + started);
        String settings = started.get(0).rest("settings");
        assertNotNull(settings, () -> "no settings= in " + started.get(0));
        Matcher setting = SETTING.matcher(settings);
        boolean found = false;
        while (!found && setting.find()) {
            found = flag.equals(flagName(setting.group(1)));
        }
        assertTrue(found, () -> flag + " not among the settings: " + settings);
        String value = setting.group(2);
        String from = setting.group(3);
        assertEquals(millis, durationMillis(value), () -> flag + " in " + settings);
        assertTrue(Pattern.compile(source, Pattern.CASE_INSENSITIVE).matcher(from).find(),
                () -> flag + " should come from " + source + ": " + settings);
    }

    /** PREPING_TIMEOUT from POOLGUARD_PREPING_TIMEOUT, preping.timeout or poolguard.preping.timeout. */
    private static String flagName(String raw) {
        if (raw == null) {
            return "";
        }
        String name = raw.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
        return name.startsWith("POOLGUARD_") ? name.substring("POOLGUARD_".length()) : name;
    }

    private static long durationMillis(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return switch (unit) {
            case "s" -> n * 1_000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n;
        };
    }
}
