package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "jdbc:postgresql://db:5432/app?user=app&password=s3cr3t-pw&ssl=true",
        "jdbc:mysql://app:s3cr3t-pw@db:3306/app",
        "connect failed: Password=s3cr3t-pw;",
        "token=s3cr3t-pw"})
    void credentialsNeverReachALogLine(String message) {
        String line = Log.describe(new SQLException(message));
        assertFalse(line.contains("s3cr3t-pw"), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FATAL: terminating connection due to administrator command"})
    void ordinaryMessagesAreKept(String message) {
        assertEquals("java.sql.SQLException: " + message, Log.describe(new SQLException(message)));
    }

    @Test
    void aFloodOfOneEventForOnePoolIsCutToAFewLinesASecond() {
        long second = 1_000_000_000L;
        long now = 7 * second;
        for (int i = 0; i < Log.LINES_PER_SECOND; i++) {
            assertTrue(Log.admit("flood.test", "pool-1 n=" + i, now));
        }
        assertFalse(Log.admit("flood.test", "pool-1 n=again", now + 1));
        assertTrue(Log.admit("flood.test", "pool-2 n=0", now), "another pool has lines of its own");
        assertTrue(Log.admit("other.test", "pool-1 n=0", now), "another event has lines of its own");
        assertTrue(Log.admit("flood.test", "pool-1 n=later", now + second), "a new second starts at zero");
    }
}
