package dev.poolguard.testapp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The command line. Demos and integration tests script it, so its shape must not drift. */
record Options(List<String> pools, String db, List<String> scenarios, boolean isolated, boolean validateOnBorrow,
               String mbeans, long idleBeforeKillMs, long soakSeconds, String faultyDriver, long lingerMs) {

    static final String USAGE = String.join("\n",
            "usage: java [-javaagent:...] -jar poolguard-test-app.jar [options]",
            "  --pool hikari,dbcp2,tomcat-dbcp,dbcp1,tomcat,c3p0,druid,agroal,vibur,ucp,driver|all  (default all),",
            "         or h2pool: H2's JdbcConnectionPool, a pool the agent does not guard",
            "  --db embedded-postgres|embedded-mariadb|<jdbc-url>  (default embedded-postgres)",
            "  --scenario stale,blackhole,recycle,hold,idle,exhaust,background,leak,idle-cutoff,server-idle,reset,restart,",
            "             drop-one,startup,soak|all  (default all: every one but soak)",
            "  --isolated  load pools and drivers in a class loader that cannot see the system class path",
            "  --child-jvm  run the app in a child JVM started by this one (it inherits the environment)",
            "  --linger-ms <ms>  after the last scenario, print LINGER and stay up this long (for a metrics scrape)",
            "  --validate-on-borrow  turn on each pool's own validation of the connections it hands out",
            "  --print-mbeans <pattern>  after each scenario, print the platform MBeans matching this ObjectName pattern",
            "  --idle-before-kill <ms>  stale: how long the used pool sits idle before its sessions are killed (1000)",
            "  --soak-seconds <s>  soak: how long each pool is stressed (60)",
            "  --faulty-driver isvalid-throws|isvalid-false|isvalid-unsupported|unwrap-null|unwrap-throws\n"
            + "                         wrap the real driver in one that misbehaves");

    static final String EMBEDDED_POSTGRES = "embedded-postgres";
    static final String EMBEDDED_MARIADB = "embedded-mariadb";

    /** Parses the command line; an {@link IllegalArgumentException} says what is wrong with it. */
    static Options parse(String[] args) {
        List<String> pools = Pool.NAMES;
        String db = EMBEDDED_POSTGRES;
        List<String> scenarios = Scenario.ALL;
        boolean isolated = false;
        boolean validateOnBorrow = false;
        String mbeans = null;
        long idleBeforeKillMs = StaleScenario.DEFAULT_IDLE_MS;
        long soakSeconds = SoakScenario.DEFAULT_SECONDS;
        String faultyDriver = null;
        long lingerMs = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--isolated" -> isolated = true;
                case "--validate-on-borrow" -> validateOnBorrow = true;
                case "--pool" -> pools = list("pool", value(args, ++i), Pool.ALL_NAMES, Pool.NAMES);
                case "--scenario" -> scenarios = list("scenario", value(args, ++i), Scenario.NAMES, Scenario.ALL);
                case "--db" -> db = database(value(args, ++i));
                case "--print-mbeans" -> mbeans = value(args, ++i);
                case "--idle-before-kill" -> idleBeforeKillMs = millis(value(args, ++i));
                case "--soak-seconds" -> soakSeconds = millis(value(args, ++i));
                case "--faulty-driver" -> faultyDriver = list("faulty driver mode", value(args, ++i),
                        FaultyDriver.MODES, FaultyDriver.MODES).get(0);
                case "--linger-ms" -> lingerMs = millis(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        return new Options(pools, db, scenarios, isolated, validateOnBorrow, mbeans, idleBeforeKillMs, soakSeconds,
                faultyDriver, lingerMs);
    }

    /** The arguments to hand to the copy of the app that runs in the isolated class loader. */
    static String[] withoutIsolated(String[] args) {
        return Arrays.stream(args).filter(arg -> !arg.equals("--isolated")).toArray(String[]::new);
    }

    private static String value(String[] args, int i) {
        if (i == args.length) {
            throw new IllegalArgumentException("missing value for " + args[i - 1]);
        }
        return args[i];
    }

    private static long millis(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + value);
        }
    }

    private static List<String> list(String what, String value, List<String> known, List<String> all) {
        if (value.equals("all")) {
            return all;
        }
        List<String> chosen = new ArrayList<>();
        for (String name : value.split(",")) {
            if (!known.contains(name)) {
                throw new IllegalArgumentException("unknown " + what + ": " + name);
            }
            chosen.add(name);
        }
        return chosen;
    }

    private static String database(String value) {
        if (value.equals(EMBEDDED_POSTGRES) || value.equals(EMBEDDED_MARIADB)) {
            return value;
        }
        Target.parse(value); // rejects URLs of databases the app cannot query
        return value;
    }
}
