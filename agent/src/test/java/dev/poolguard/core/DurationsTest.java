package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({"250ms,250", "30s,30000", "15m,900000", "1h,3600000", "1500,1500", "0,0", "0s,0"})
    void acceptsUnitsAndBareMilliseconds(String text, long millis) {
        assertEquals(millis, Durations.parseMillis(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-5s", "10parsecs", "1.5s", " 30s", "30s ", "s", "99999999999999999999", "9000h"})
    void rejectsAnythingElse(String text) {
        assertEquals(-1, Durations.parseMillis(text));
    }

    @ParameterizedTest
    @CsvSource({"0,0", "250,250ms", "1000,1s", "90000,90s", "900000,15m", "3600000,1h"})
    void formatsTheShortestExactSpelling(long millis, String text) {
        assertEquals(text, Durations.format(millis));
        assertEquals(millis, Durations.parseMillis(text));
    }
}
