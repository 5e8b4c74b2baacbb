package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EventFieldsTest {

    @Test
    void aValueRunsToTheNextKeyAndKeepsItsSpacesAndEqualsSigns() {
        EventFields f = EventFields.parse("tomcat-1 by=poolguard idle=1222ms reason=isValid=false after 11ms");
        assertEquals("tomcat-1", f.pool);
        assertNull(f.message);
        assertNull(f.stack);
        assertEquals(Arrays.asList("by", "poolguard", "idle", "1222ms", "reason", "isValid=false after 11ms"),
            f.keyValues);
    }

    @Test
    void quotedValuesLoseTheirQuotesAndMayHoldWhatLooksLikeKeys() {
        EventFields f = EventFields.parse("flag=POOLGUARD_PREPING_TIMEOUT value='a b=c' expected=\"a duration: 250ms,"
            + " or 0 for off\" using=3s");
        assertNull(f.pool);
        assertEquals(Arrays.asList("flag", "POOLGUARD_PREPING_TIMEOUT", "value", "a b=c", "expected",
            "a duration: 250ms, or 0 for off", "using", "3s"), f.keyValues);
    }

    @Test
    void aQuoteThatDoesNotCloseTheValueIsPartOfIt() {
        EventFields f = EventFields.parse("p reason='x' and more next=1");
        assertEquals(Arrays.asList("reason", "'x' and more", "next", "1"), f.keyValues);
    }

    @Test
    void freeTextBeforeTheFirstKeyIsAMessage() {
        EventFields f = EventFields.parse("capturing borrow sites from now on (POOLGUARD_HOLD_STACK=auto) after a hold");
        assertNull(f.pool);
        assertEquals("capturing borrow sites from now on (POOLGUARD_HOLD_STACK=auto) after a hold", f.message);
        assertEquals(Arrays.asList(), f.keyValues);
    }

    @Test
    void theIndentedLinesAreTheStack() {
        EventFields f = EventFields.parse("tomcat-4 thread=hold-request-1 held=1000ms\n    borrowed at:\n"
            + "      at a.B.c(B.java:1)");
        assertEquals("tomcat-4", f.pool);
        assertEquals(Arrays.asList("thread", "hold-request-1", "held", "1000ms"), f.keyValues);
        assertEquals("    borrowed at:\n      at a.B.c(B.java:1)", f.stack);
    }

    @Test
    void keysNamedLikeFixedFieldsAndRepeatedKeysStayApart() {
        EventFields f = EventFields.parse("HikariPool-1 event=preping.dead lines=12 lines=13");
        assertEquals(Arrays.asList("field.event", "preping.dead", "lines", "12", "lines.2", "13"), f.keyValues);
    }

    @Test
    void jsonHasTheFixedFieldsThenTheKeysThenTheStack() {
        assertEquals("{\"time\":\"2026-01-02T03:04:05Z\",\"level\":\"warn\",\"event\":\"hold.long\",\"pool\":\"p-1\","
                + "\"held\":\"2s\",\"stack\":\"  at x\\n  at y\"}",
            EventFields.json("2026-01-02T03:04:05Z", "warn", "hold.long", "p-1 held=2s\n  at x\n  at y"));
        assertEquals("{\"time\":\"t\",\"level\":\"info\",\"event\":\"agent.started\",\"version\":\"1\"}",
            EventFields.json("t", "info", "agent.started", "version=1"));
    }

    @Test
    void jsonEscapesQuotesBackslashesControlCharactersAndLoneSurrogates() {
        StringBuilder b = new StringBuilder();
        EventFields.quote(b, "a\"b\\c\td\re\u0001f\u2028g\ud83d\ude00h\ud800i");
        assertEquals("\"a\\\"b\\\\c\\td\\re\\u0001f\\u2028g\ud83d\ude00h\\ud800i\"", b.toString());
    }
}
