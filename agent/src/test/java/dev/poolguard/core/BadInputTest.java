package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every flag against every kind of bad value, from each of the three sources: one {@code config.invalid} line that
 * names the flag as written, quotes the value, states the expected form and the value used, and the default in
 * effect. Spaces around a valid value are the one slip that keeps the value (with the same warning).
 */
class BadInputTest {

    private static final Set<String> ADAPTERS = new LinkedHashSet<>(Arrays.asList("hikari", "dbcp2", "tomcat", "driver"));

    /** The bad values: empty, garbage, negative, overflow, wrong unit, a unit alone, another kind's value. */
    private static final List<String> BAD = List.of("", "garbage", "-5", "-5s", "99999999999999999999",
        "9223372036854775808ms", "400d", "10parsecs", "5 s", "s", "1.5s", "0x10", "TRUE", "on", "all,", "\u0000");

    static Stream<Arguments> flagsAndBadValues() {
        List<Arguments> out = new ArrayList<>();
        for (String key : Config.FLAGS.keySet()) {
            for (String value : BAD) {
                if (!acceptable(key, value)) {
                    // An agent argument cannot carry a comma or a semicolon inside a value: tested apart.
                    for (String source : value.matches(".*[,;].*") ? List.of("env", "sysprop")
                            : List.of("env", "sysprop", "agent-arg")) {
                        out.add(Arguments.of(key, value, source));
                    }
                }
            }
        }
        return out.stream();
    }

    /** A few of the strings above are valid for one kind of flag (e.g. "" is not, but "-5" never is). */
    private static boolean acceptable(String key, String value) {
        Config c = Config.load(null, Collections.emptyMap(), props("poolguard." + key, value), ADAPTERS);
        return c.problems.isEmpty();
    }

    @ParameterizedTest(name = "{2} {0}=''{1}''")
    @MethodSource("flagsAndBadValues")
    void aBadValueWarnsOnceAndTheDefaultIsUsed(String key, String value, String source) {
        String name = nameFor(key, source);
        Config c = load(key, value, source);
        assertEquals(1, c.problems.size(), c.problems::toString);
        String problem = c.problems.get(0);
        String expectedStart = "flag=" + name + " value='" + value + "' expected=\"";
        assertTrue(problem.startsWith(expectedStart), problem);
        String form = Config.FLAGS.get(key).form;
        assertTrue(problem.contains(form), problem);
        assertTrue(problem.endsWith("\" using=" + Config.DEFAULTS.get(key)), problem);
        assertEquals(Config.DEFAULTS.get(key), c.value(key));
        assertTrue(c.nonDefaults.isEmpty(), c.nonDefaults::toString);
    }

    static Stream<Arguments> flagsAndSpacedValues() {
        Map<String, String> valid = Map.ofEntries(Map.entry("enabled", "true"), Map.entry("pools", "hikari"),
            Map.entry("preping", "false"), Map.entry("preping.idle", "1s"), Map.entry("preping.timeout", "2s"),
            Map.entry("max.lifetime", "10m"), Map.entry("hold.warn", "5s"), Map.entry("hold.stack", "true"),
            Map.entry("exhaustion.dump.interval", "1m"), Map.entry("keepalive", "30s"),
            Map.entry("state.reset", "false"), Map.entry("jmx", "false"), Map.entry("prewoven", "false"),
            Map.entry("log.level", "warn"), Map.entry("log.target", "application"), Map.entry("log.format", "json"));
        assertEquals(Config.FLAGS.keySet(), valid.keySet(), "a valid value for every flag");
        List<Arguments> out = new ArrayList<>();
        for (String key : Config.FLAGS.keySet()) {
            for (String spaced : List.of(" " + valid.get(key), valid.get(key) + " ", "\t" + valid.get(key) + "  ")) {
                out.add(Arguments.of(key, spaced, valid.get(key)));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}=''{1}''")
    @MethodSource("flagsAndSpacedValues")
    void spacesAroundAValidValueWarnOnceAndTheValueIsUsed(String key, String spaced, String meant) {
        Config c = load(key, spaced, "env");
        assertEquals(1, c.problems.size(), c.problems::toString);
        String problem = c.problems.get(0);
        assertTrue(problem.startsWith("flag=" + nameFor(key, "env") + " value='" + spaced + "' expected=\""), problem);
        assertTrue(problem.endsWith(", without surrounding spaces\" using=" + meant), problem);
        assertEquals(meant, c.value(key));
    }

    @ParameterizedTest
    @ValueSource(strings = {"=1s", "hold.warn", ",", ";;", "=", "hold.warn=5s,,", "hold.warn=5s;=x"})
    void aMalformedAgentArgumentIsReportedAndTheRestApplies(String args) {
        Config c = Config.load(args, Collections.emptyMap(), new Properties(), ADAPTERS);
        assertTrue(!c.problems.isEmpty(), () -> args + " gave no problem");
        for (String problem : c.problems) {
            assertTrue(problem.startsWith("flag=agent-argument value='")
                && problem.endsWith("expected=\"key=value pairs separated by commas\" using=ignored"), problem);
        }
        assertEquals(args.startsWith("hold.warn=5s") ? 5000 : 60_000, c.holdWarnMillis, c.problems::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"POOLGUARD_HOLDWARN", "POOLGUARD_HOLD_WARNING", "POOLGUARD_PRE_PING", "POOLGUARD_MAXLIFETIME",
        "POOLGUARD_KEEP_ALIVE", "POOLGUARD_POOL", "POOLGUARD_LOGLEVEL", "POOLGUARD_STATE_RESETS"})
    void anUnknownNameIsIgnoredWithTheClosestRealOneSuggested(String name) {
        Config c = Config.load(null, Map.of(name, "5s"), new Properties(), ADAPTERS);
        assertEquals(1, c.problems.size(), c.problems::toString);
        String problem = c.problems.get(0);
        String squashed = name.substring("POOLGUARD_".length()).replace("_", "");
        String suggested = problem.replaceAll(".*did you mean (POOLGUARD_[A-Z_]+)\\?.*", "$1");
        assertTrue(Config.FLAGS.containsKey(suggested.substring("POOLGUARD_".length()).toLowerCase(Locale.ROOT)
            .replace('_', '.')), problem);
        assertTrue(squashed.startsWith(suggested.substring("POOLGUARD_".length()).replace("_", ""))
            || suggested.substring("POOLGUARD_".length()).replace("_", "").startsWith(squashed), problem);
        assertTrue(problem.endsWith("using=ignored"), problem);
        assertTrue(c.nonDefaults.isEmpty());
    }

    private static Config load(String key, String value, String source) {
        switch (source) {
            case "env":
                return Config.load(null, Map.of(nameFor(key, source), value), new Properties(), ADAPTERS);
            case "sysprop":
                return Config.load(null, Collections.emptyMap(), props(nameFor(key, source), value), ADAPTERS);
            default:
                // An agent argument cannot carry a comma or a semicolon inside a value of its own.
                return Config.load(key + "=" + value, Collections.emptyMap(), new Properties(), ADAPTERS);
        }
    }

    private static String nameFor(String key, String source) {
        switch (source) {
            case "env":
                return "POOLGUARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
            case "sysprop":
                return "poolguard." + key;
            default:
                return key;
        }
    }

    private static Properties props(String name, String value) {
        Properties p = new Properties();
        p.setProperty(name, value);
        return p;
    }
}
