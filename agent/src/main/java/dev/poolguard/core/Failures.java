package dev.poolguard.core;

/**
 * {@code connection.failed}: a connection error reached the application from a physical connection the agent
 * tracks. One warning per connection says how old it was, how long it sat unused before the failing call, how long
 * the current lease has lasted and where it was borrowed, with the likeliest cause; the connection is retired so
 * the pool never hands it out again, also for codes the pools themselves do not recognise.
 */
final class Failures {

    private static final long SECOND = 1_000_000_000L;

    private Failures() {
    }

    /** A call on {@code t}'s connection that started at {@code start} threw {@code thrown}. */
    static void failed(Tracked t, Object connection, Throwable thrown, long start) throws Throwable {
        String state = Jdbc.sqlState(thrown);
        int code = Jdbc.errorCode(thrown);
        // A retired connection is already known dead (the agent aborted a validation of it, or evicted it): the
        // error of that validation is no news to report. One no adapter claimed (its pool's adapter is off or
        // skipped that release) is not the agent's to talk about.
        if (t.retired || t.pool == null || !connectionError(state, code) || !t.markFailed()) {
            return;
        }
        t.retired = true;
        long now = System.nanoTime();
        long idle = start - Math.max(t.lastUsedNanos, t.lastGoodNanos);
        long s = t.state();
        boolean leased = Tracked.leased(s) && !t.bare;
        long lease = leased ? now - t.leaseNanos() : -1;
        PoolInfo p = t.pool;
        StringBuilder b = new StringBuilder(512).append(p.name)
            .append(" thread=").append(Thread.currentThread().getName())
            .append(" sqlstate=").append(state).append(" code=").append(code)
            .append(" age=").append(Settings.millis(now - t.createdNanos)).append("ms")
            .append(" idle=").append(idle < 0 ? "unknown" : Settings.millis(idle) + "ms");
        if (leased) {
            b.append(" lease=").append(Settings.millis(lease)).append("ms");
            HoldLog.usage(b, t, start);
            b.append(" borrowed-at=\"");
            Frames.site(b, t.leaseSite());
            b.append('"');
        } else if (t.bare) {
            b.append(" bare=true opened-at=\"");
            Frames.site(b, t.leaseSite(), Frames.vendorPackage(connection.getClass().getName()));
            b.append('"');
        }
        b.append(" error=\"").append(Log.describe(thrown).replace('"', '\'')).append('"');
        // The lease is worth naming when the connection was held through much of its idleness.
        b.append(" cause=\"").append(cause(state, code, idle, leased && lease >= SECOND && lease >= idle / 2
            ? lease : -1)).append('"');
        b.append(t.bare ? "" : " action=retired, the pool will not hand it out again");
        Log.warn("connection.failed", b.toString());
        p.failuresDiagnosed.increment();
        Jfr.deadConnection(p, "application", idle, state + " " + Log.describe(thrown));
    }

    /**
     * SQLState class 08 (connection exception, also the drivers' "connection is closed"), PostgreSQL's 57P01-57P05
     * (administrator command, crash, starting up, database dropped, idle-session timeout) and 25P03
     * (idle-in-transaction timeout), MySQL 4031 (the server closed an idle session; MariaDB's driver says HY000).
     */
    static boolean connectionError(String state, int code) {
        if (code == 4031) {
            return true;
        }
        if (state == null) {
            return false;
        }
        return state.startsWith("08") || state.equals("25P03")
            || state.startsWith("57P0") && state.length() == 5 && state.charAt(4) >= '1' && state.charAt(4) <= '5';
    }

    /** The likeliest cause, in one sentence. {@code idleLease}: the lease, when the idle time fell inside it. */
    static String cause(String state, int code, long idle, long idleLease) {
        StringBuilder b = new StringBuilder(200);
        if ("57P05".equals(state)) {
            b.append("the server's idle_session_timeout ended the session");
        } else if ("25P03".equals(state)) {
            b.append("the server's idle_in_transaction_session_timeout ended the session, idle inside a transaction");
        } else if ("57P01".equals(state)) {
            b.append("the server ended the session (pg_terminate_backend, a restart or a failover)");
        } else if ("57P02".equals(state) || "57P03".equals(state)) {
            b.append("the server crashed or is restarting");
        } else if ("57P04".equals(state)) {
            b.append("the database was dropped");
        } else if (code == 4031) {
            b.append("the server's wait_timeout ended the idle session");
        } else {
            b.append("the network connection to the server was lost (server restart or timeout, failover, proxy or"
                + " firewall)");
        }
        if (idle >= SECOND) {
            b.append("; idle ").append(human(idle)).append(" before this call, and server and network idle limits"
                + " are commonly 5-15 min");
        }
        if (idleLease >= 0) {
            b.append("; this lease has lasted ").append(human(idleLease))
                .append(": borrow a connection per unit of work instead of holding one across slow work");
        }
        return b.toString();
    }

    static String human(long nanos) {
        long ms = Settings.millis(nanos);
        if (ms < 10_000) {
            return ms + "ms";
        }
        long s = ms / 1000;
        if (s < 600) {
            return s + "s";
        }
        return s / 60 + "m";
    }
}
