package dev.poolguard.core;

/** Stack frames as the agent's warnings print them: the agent's own frames left out. */
final class Frames {

    /**
     * Code that is not the application's: the JDK, the agent, the pools, the drivers, and the frameworks between an
     * application and its database, so that a report leads with the frames the reader can act on.
     */
    private static final String[] NOT_APPLICATION = {
        "java.", "javax.", "jakarta.", "jdk.", "sun.", "com.sun.", "dev.poolguard.core.", "dev.poolguard.adapter.",
        "dev.poolguard.agent.", "dev.poolguard.shaded.",
        "com.zaxxer.hikari.", "org.apache.commons.dbcp", "org.apache.commons.pool", "org.apache.tomcat.", "com.mchange.",
        "com.alibaba.druid.", "io.agroal.", "org.vibur.", "oracle.ucp.", "org.jboss.jca.",
        "org.postgresql.", "org.mariadb.jdbc.", "com.mysql.", "oracle.jdbc.", "org.h2.", "org.hsqldb.",
        "com.microsoft.sqlserver.", "org.apache.derby.", "com.ibm.db2.",
        // Spring by its framework's packages only: applications live under org.springframework too (PetClinic).
        "org.springframework.aop.", "org.springframework.beans.", "org.springframework.boot.",
        "org.springframework.cglib.", "org.springframework.context.", "org.springframework.core.",
        "org.springframework.dao.", "org.springframework.data.", "org.springframework.http.",
        "org.springframework.jdbc.", "org.springframework.orm.", "org.springframework.scheduling.",
        "org.springframework.security.", "org.springframework.transaction.", "org.springframework.util.",
        "org.springframework.web.", "org.springframework.validation.", "org.springframework.cache.",
        "org.hibernate.", "org.apache.catalina.", "org.apache.coyote.", "org.eclipse.jetty.",
        "io.undertow.", "org.jboss.", "org.wildfly.", "io.netty.", "reactor.", "kotlin.", "kotlinx.", "org.aspectj.",
        "org.apache.ibatis.", "org.mybatis.", "org.jooq.", "io.micrometer.", "io.opentelemetry.", "datadog.",
        "co.elastic.apm.", "com.newrelic.", "net.bytebuddy.", "org.slf4j.", "ch.qos.logback.", "org.apache.logging."};

    private static final int APPLICATION_FRAMES = 3;
    /** Application frames a report's stack leads with: enough for a controller, a service and a repository. */
    private static final int LEAD_FRAMES = 4;

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
     * A stack as a report shows it at {@code info}: the frame the thread is in now, when {@code current} and that is
     * not the application's (a socket read, a sleep), then the application's first frames, innermost first; the frames
     * between are counted, never printed. So the application's frame is never cut off however deep the frameworks
     * above it. At debug level, the whole stack.
     */
    static void lead(StringBuilder b, StackTraceElement[] frames, boolean current) {
        int first = 0;
        while (first < frames.length && frames[first].getClassName().startsWith("dev.poolguard.")) {
            first++;
        }
        boolean any = false;
        for (int i = first; i < frames.length && !any; i++) {
            any = application(frames[i].getClassName());
        }
        if (Log.debugEnabled() || !any) {
            append(b, frames, null, Log.debugEnabled() ? Integer.MAX_VALUE : LEAD_FRAMES);
            return;
        }
        int shown = 0;
        int skipped = 0;
        for (int i = first; i < frames.length && shown < LEAD_FRAMES; i++) {
            boolean app = application(frames[i].getClassName());
            if (app || current && i == first) {
                if (skipped > 0) {
                    b.append(System.lineSeparator()).append("      ... ").append(skipped).append(" library frames");
                    skipped = 0;
                }
                b.append(System.lineSeparator()).append("      at ").append(frames[i]);
                shown += app ? 1 : 0;
            } else {
                skipped++;
            }
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
