package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The output parser, on a hand-written transcript (runs under surefire, without the app or a database). */
class AppOutputTest {
    private static final List<String> TRANSCRIPT = List.of(
            "[poolguard] agent.started version=0.1.0 adapters=hikari,tomcat settings=hold.warn=1s(env)",
            "[poolguard] config.invalid flag=PREPING_TIMEOUT value='a b' expected=\"a duration\" using=3s",
            "SCENARIO pool=tomcat db=postgres scenario=hold",
            "[poolguard] hold.long tomcat-2 thread=hold-request-1 held=1003ms",
            "    borrowed at:",
            "      at dev.poolguard.testapp.HoldScenario.handleDownloadRequest(HoldScenario.java:20)",
            "    holder now:",
            "      at java.base/java.lang.Thread.sleep(Native Method)",
            "      at dev.poolguard.testapp.HoldScenario.streamDownload(HoldScenario.java:31)",
            "some app line",
            "[poolguard] hold.returned tomcat-2 thread=hold-request-1 held=2504ms",
            "RESULT pool=tomcat db=postgres scenario=hold ok=1 failed=0 max_borrow_ms=4",
            "DETAIL pool=tomcat db=postgres scenario=hold sessions=1 library=tomcat-jdbc-11.0.25.jar first_error=PSQLException: gone away",
            "MBEAN dev.poolguard:type=Pool,name=tomcat-2 Name=tomcat-2 IdleLimit=unknown: 0 of 3 deaths, none yet Borrows=8",
            "[poolguard] preping.dead tomcat-2 by=poolguard idle=900ms reason=closed");

    private final AppOutput out = AppOutput.parse("transcript", TRANSCRIPT);

    @Test
    void eventsBetweenScenarioAndResultBelongToThatSection() {
        AppOutput.Section s = out.section(Pool.TOMCAT, Scenario.HOLD);
        assertEquals(List.of("hold.long", "hold.returned"), s.events.stream().map(e -> e.type).toList());
        assertEquals(new AppOutput.Result(1, 0, 4), s.result());
        assertEquals(new AppOutput.Detail(1, "tomcat-jdbc-11.0.25.jar", "PSQLException: gone away"), s.detail());
        assertEquals(5, out.events().size());
    }

    @Test
    void indentedLinesAreTheStacksOfTheEventAbove() {
        AgentEvent hold = out.section(Pool.TOMCAT, Scenario.HOLD).events.get(0);
        assertTrue(hold.is("hold.long", Pool.TOMCAT));
        assertEquals(1003, hold.millis("held"));
        assertEquals(1, hold.frames("borrowed at:").size());
        assertTrue(hold.frames("holder now:").get(1).contains("HoldScenario.streamDownload"));
        assertEquals(5, hold.continuation().size());
    }

    @Test
    void fieldsAreUnquotedAndSettingsKeepTheirCommas() {
        AgentEvent invalid = out.events("config.invalid").get(0);
        assertEquals("PREPING_TIMEOUT", invalid.field("flag"));
        assertEquals("a b", invalid.field("value"));
        assertEquals("a duration", invalid.field("expected"));
        assertEquals("3s", invalid.field("using"));
        assertEquals("hold.warn=1s(env)", out.events("agent.started").get(0).rest("settings"));
    }

    @Test
    void anMBeanAttributeMayHoldSpaces() {
        assertEquals(java.util.Map.of("Name", "tomcat-2", "IdleLimit", "unknown: 0 of 3 deaths, none yet", "Borrows", "8"),
                out.section(Pool.TOMCAT, Scenario.HOLD).mbeans.get("dev.poolguard:type=Pool,name=tomcat-2"));
    }
}
