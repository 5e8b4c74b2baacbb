package dev.poolguard.it;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The test app's fault scenarios (see its --scenario option). */
enum Scenario {
    /** Every server session is killed, then requests are served. */
    STALE("stale"),
    /** A proxy silently stops forwarding the existing connections; each request has a 6 s deadline. */
    BLACKHOLE("blackhole"),
    /** A request every 50 ms for 4 s; DETAIL sessions counts the distinct server sessions seen. */
    RECYCLE("recycle"),
    /** Thread hold-request-1 holds one connection for 2.5 s inside HoldScenario.streamDownload. */
    HOLD("hold"),
    /** No fault: the pool idles 1.5 s between two bursts of 20 requests from 4 threads (what checking costs). */
    IDLE("idle"),
    /** A pool of 2 held by download-request-1/2 for 3 s; late-request-1, then -2, time out after 1 s each. */
    EXHAUST("exhaust"),
    /** report-job-1 holds a connection through 2.5 s of work; the server's 1 s idle limit ends the session. */
    BACKGROUND("background"),
    /** careless-request-1 leaves autocommit off (an uncommitted insert) and serializable isolation, careless-request-2
     *  read-only; next-request-1..5 each fail if their session differs from a fresh one or sees that row. */
    LEAK("leak"),
    /** A proxy black-holes connections idle 2 s; the used pool idles 1 s and serves 20 requests, then twice idles 4 s
     *  and serves 10, with a 6 s deadline each. */
    IDLE_CUTOFF("idle-cutoff"),
    /** The server's own idle timer (1 s, set per connection in the URL) ends the pool's sessions; 0.7 s idle and 20
     *  requests, then twice 2 s idle and 20 requests with a 6 s deadline each. */
    SERVER_IDLE("server-idle"),
    /** A proxy resets (TCP RST) every connection it carries; then 20 requests with a 6 s deadline each. */
    RESET("reset"),
    /** The server is stopped, kept down 2 s and started again on the same port (FaultMatrixIT does it on the
     *  app's "FAULT restart" line); one request while it is down (DOWN line), 20 once it is back. */
    RESTART("restart"),
    /** A pool of 20 filled at once; a proxy then black-holes one of its idle connections, and one thread borrows 20
     *  connections in a row, keeping each; the DROPPED line counts the burst's sessions that are new. */
    DROP_ONE("drop-one"),
    /** 64 threads on a pool of 8 for --soak-seconds, idle sessions killed every ~500 ms (SoakIT). */
    SOAK("soak");

    /** The field failures, each run with and without the agent in the scenario matrix. */
    static final List<Scenario> FAULTS = List.of(STALE, BLACKHOLE, RECYCLE, HOLD);
    static final String FAULTS_CSV = FAULTS.stream().map(s -> s.cli).collect(Collectors.joining(","));

    final String cli;

    Scenario(String cli) {
        this.cli = cli;
    }

    static Scenario fromCli(String cli) {
        return Arrays.stream(values()).filter(s -> s.cli.equals(cli)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown scenario " + cli));
    }

    @Override
    public String toString() {
        return cli;
    }
}
