package dev.poolguard.core;

import java.util.concurrent.TimeUnit;

/** Parses and prints the durations flags take: {@code 250ms}, {@code 30s}, {@code 15m}, {@code 1h}; a bare number is milliseconds. */
public final class Durations {

    /** The upper bound keeps nanosecond arithmetic (deadline = now + duration) far from overflow. */
    static final long MAX_MILLIS = TimeUnit.DAYS.toMillis(365);

    private Durations() {
    }

    /** @return milliseconds, or -1 when the text is not a duration in the accepted form and range */
    public static long parseMillis(String text) {
        int i = 0;
        int n = text.length();
        long value = 0;
        while (i < n && Character.isDigit(text.charAt(i))) {
            value = value * 10 + (text.charAt(i) - '0');
            if (value > MAX_MILLIS) {
                return -1;
            }
            i++;
        }
        if (i == 0) {
            return -1;
        }
        long unit;
        switch (text.substring(i)) {
            case "":
            case "ms":
                unit = 1;
                break;
            case "s":
                unit = 1000;
                break;
            case "m":
                unit = 60_000;
                break;
            case "h":
                unit = 3_600_000;
                break;
            default:
                return -1;
        }
        long millis = value * unit;
        return millis > MAX_MILLIS ? -1 : millis;
    }

    /** The shortest exact spelling, so logged settings read as they were written. */
    public static String format(long millis) {
        if (millis == 0) {
            return "0";
        }
        if (millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
