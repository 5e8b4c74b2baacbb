package dev.poolguard.core;

/** Stack frames as the agent's warnings print them: the agent's own frames left out. */
final class Frames {

    private static final String[] NOT_APPLICATION = {
        "java.", "javax.", "jdk.", "sun.", "com.sun.", "dev.poolguard.core.", "dev.poolguard.adapter.",
        "dev.poolguard.agent.", "dev.poolguard.shaded."};

    private static final int APPLICATION_FRAMES = 3;

    private Frames() {
    }

    /** Up to {@code max} frames, one per line; {@code empty} (if not null) stands in for none. */
    static void append(StringBuilder b, StackTraceElement[] frames, String empty, int max) {
        int first = 0;
        while (first < frames.length && frames[first].getClassName().startsWith("dev.poolguard.")) {
            first++;
        }
        if (first == frames.length && empty != null) {
            b.append(empty);
            return;
        }
        int last = Math.min(frames.length, first + max);
        for (int i = first; i < last; i++) {
            b.append(System.lineSeparator()).append("      at ").append(frames[i]);
        }
        if (last < frames.length) {
            b.append(System.lineSeparator()).append("      ... ").append(frames.length - last).append(" more");
        }
    }

    /**
     * Where a lease began: the first three frames of the application's own code (not the JDK's, the agent's or a
     * pool's), innermost first, and at debug level the whole stack.
     */
    static void site(StringBuilder b, Throwable site) {
        site(b, site, null);
    }

    /** As {@link #site(StringBuilder, Throwable)}, also leaving out frames under {@code driverPackage}. */
    static void site(StringBuilder b, Throwable site, String driverPackage) {
        if (site == null) {
            b.append(Settings.noSite());
            return;
        }
        StackTraceElement[] frames = site.getStackTrace();
        int shown = 0;
        for (StackTraceElement f : frames) {
            if (application(f.getClassName())
                    && (driverPackage == null || !f.getClassName().startsWith(driverPackage))) {
                b.append(shown == 0 ? "" : " < ").append(f);
                if (++shown == APPLICATION_FRAMES) {
                    break;
                }
            }
        }
        if (shown == 0) {
            b.append("unknown");
        }
        if (Log.debugEnabled()) {
            append(b, frames, null, Integer.MAX_VALUE);
        }
    }

    /** The vendor's package of a driver class: {@code org.postgresql.}, {@code com.mysql.}, {@code oracle.jdbc.}. */
    static String vendorPackage(String className) {
        int first = className.indexOf('.');
        int second = first < 0 ? -1 : className.indexOf('.', first + 1);
        return second < 0 ? className : className.substring(0, second + 1);
    }

    static boolean application(String className) {
        for (String prefix : NOT_APPLICATION) {
            if (className.startsWith(prefix)) {
                return false;
            }
        }
        return !Connections.inPoolPackage(className);
    }
}
