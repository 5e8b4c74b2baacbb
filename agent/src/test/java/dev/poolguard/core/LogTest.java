package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.sql.SQLException;
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
}
