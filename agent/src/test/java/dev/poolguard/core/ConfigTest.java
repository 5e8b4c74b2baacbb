package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigTest {

    private static final Set<String> ADAPTERS = new LinkedHashSet<>(Arrays.asList("hikari", "dbcp2", "tomcat", "driver"));

    private static Config load(String args, Map<String, String> env, Properties system) {
        return Config.load(args, env, system, ADAPTERS);
    }

    @Test
    void defaultsWhenNothingIsSet() {
        Config c = load(null, Collections.emptyMap(), new Properties());
        assertTrue(c.enabled);
        assertTrue(c.preping);
        assertEquals(500, c.prepingIdleMillis);
        assertEquals(3000, c.prepingTimeoutMillis);
        assertEquals(30 * 60_000, c.maxLifetimeMillis);
        assertEquals(60_000, c.holdWarnMillis);
        assertEquals("auto", c.holdStack);
        assertEquals("info", c.logLevel);
        assertEquals("stderr", c.logTarget);
        assertEquals("text", c.logFormat);
        assertTrue(c.adapterEnabled("tomcat"));
        assertTrue(c.problems.isEmpty());
        assertTrue(c.nonDefaults.isEmpty());
    }

    @Test
    void agentArgumentBeatsSystemPropertyBeatsEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("POOLGUARD_HOLD_WARN", "10m");
        env.put("POOLGUARD_PREPING_IDLE", "2s");
        env.put("POOLGUARD_MAX_LIFETIME", "5m");
        Properties system = new Properties();
        system.setProperty("poolguard.hold.warn", "5m");
        system.setProperty("poolguard.preping.idle", "1s");
        Config c = load("hold.warn=1s", env, system);
        assertEquals(1000, c.holdWarnMillis);
        assertEquals(1000, c.prepingIdleMillis);
        assertEquals(5 * 60_000, c.maxLifetimeMillis);
        assertEquals(Arrays.asList("preping.idle=1s(sysprop)", "max.lifetime=5m(env)", "hold.warn=1s(agent-arg)"), c.nonDefaults);
    }

    @Test
    void agentArgumentListsKeepTheirCommas() {
        Config c = load("pools=hikari,tomcat,preping.timeout=1s", Collections.emptyMap(), new Properties());
        assertTrue(c.adapterEnabled("hikari"));
        assertTrue(c.adapterEnabled("tomcat"));
        assertFalse(c.adapterEnabled("dbcp2"));
        assertEquals(1000, c.prepingTimeoutMillis);
        assertTrue(c.problems.isEmpty(), c.problems.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "POOLGUARD_PREPING_TIMEOUT|abc|3s",
        "POOLGUARD_HOLD_WARN|-5s|60s",
        "POOLGUARD_MAX_LIFETIME|10parsecs|30m",
        "POOLGUARD_PREPING|yes|true",
        "POOLGUARD_LOG_LEVEL|loud|info",
        "POOLGUARD_LOG_TARGET|logback|stderr",
        "POOLGUARD_LOG_FORMAT|JSON|text",
        "POOLGUARD_POOLS|hikari,bonecp|all",
        "POOLGUARD_PREPING_IDLE|''|500ms"})
    void aBadValueWarnsOnceAndUsesTheDefault(String name, String value, String used) {
        Config c = load(null, Collections.singletonMap(name, value), new Properties());
        assertEquals(1, c.problems.size(), c.problems.toString());
        String problem = c.problems.get(0);
        assertTrue(problem.startsWith("flag=" + name + " value='" + value + "' expected=\""), problem);
        assertTrue(problem.endsWith(" using=" + used), problem);
        assertTrue(c.nonDefaults.isEmpty());
    }

    @Test
    void anUnknownNameSuggestsTheClosestFlag() {
        Config c = load(null, Collections.singletonMap("POOLGUARD_PREPNG_IDLE", "1s"), new Properties());
        assertEquals(1, c.problems.size());
        assertTrue(c.problems.get(0).contains("did you mean POOLGUARD_PREPING_IDLE?"), c.problems.get(0));
        assertEquals(500, c.prepingIdleMillis);
    }

    /** An application's own property in the poolguard. namespace may hold a password: reported, never printed. */
    @Test
    void anUnknownNameThatLooksSecretIsReportedWithoutItsValue() {
        Properties system = new Properties();
        system.setProperty("poolguard.db.password", "s3cr3t-pw");
        system.setProperty("poolguard.db.url", "jdbc:postgresql://db/app");
        Config c = load(null, Collections.emptyMap(), system);
        assertEquals(2, c.problems.size(), c.problems.toString());
        assertTrue(c.problems.stream().noneMatch(p -> p.contains("s3cr3t-pw")), c.problems.toString());
        assertTrue(c.problems.stream().anyMatch(p -> p.startsWith("flag=poolguard.db.password value='***' expected=")),
            c.problems.toString());
        assertTrue(c.problems.stream().anyMatch(p -> p.contains("value='jdbc:postgresql://db/app'")),
            c.problems.toString());
    }

    @Test
    void aMalformedAgentArgumentIsReportedAndIgnored() {
        Config c = load("=1s,hold.warn=2s", Collections.emptyMap(), new Properties());
        assertEquals(1, c.problems.size(), c.problems.toString());
        assertEquals(2000, c.holdWarnMillis);
    }

    @Test
    void theLogTargetAndFormatAreReadFromEverySource() {
        Properties system = new Properties();
        system.setProperty("poolguard.log.format", "json");
        Config c = load(null, Collections.singletonMap("POOLGUARD_LOG_TARGET", "application"), system);
        assertEquals("application", c.logTarget);
        assertEquals("json", c.logFormat);
        assertTrue(c.problems.isEmpty(), c.problems.toString());
        assertEquals(Arrays.asList("log.target=application(env)", "log.format=json(sysprop)"), c.nonDefaults);
    }

    @Test
    void theMasterSwitchTurnsEverythingOff() {
        assertFalse(load(null, Collections.singletonMap("POOLGUARD_ENABLED", "false"), new Properties()).enabled);
    }
}
