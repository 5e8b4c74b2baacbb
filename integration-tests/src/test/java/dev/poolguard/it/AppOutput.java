package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The merged stdout+stderr of one test-app run, cut into one section per pool and scenario: the RESULT and DETAIL
 * fields, and the agent events printed between the SCENARIO line and the RESULT line.
 */
final class AppOutput {
    private static final Pattern MARKER =
            Pattern.compile("^(SCENARIO|RESULT|DETAIL) pool=(\\S+) db=(\\S+) scenario=(\\S+)(.*)$");
    private static final Pattern RESULT =
            Pattern.compile("ok=(\\d+) failed=(\\d+) max_borrow_ms=(\\d+)");
    private static final Pattern DETAIL = Pattern.compile("sessions=(\\d+) library=(\\S+) first_error=(.*)$");
    /** {@code --print-mbeans}: {@code MBEAN <object-name> Attribute=value ...} after a scenario's DETAIL line. */
    private static final Pattern MBEAN = Pattern.compile("^MBEAN (\\S+)(.*)$");

    record Result(int ok, int failed, long maxBorrowMs) {}

    /** {@code library}: the jar file the pool (or, for driver, the driver) was loaded from. */
    record Detail(int sessions, String library, String firstError) {}

    static final class Section {
        final Pool pool;
        final Scenario scenario;
        final String db;
        final List<AgentEvent> events = new ArrayList<>();
        /** The MBeans printed after this scenario, by object name: attribute to value. */
        final Map<String, Map<String, String>> mbeans = new LinkedHashMap<>();
        private Result result;
        private Detail detail;
        /** The app's own lines between SCENARIO and RESULT (not the agent's). */
        final List<String> lines = new ArrayList<>();
        /** The restart scenario's request while the server was down ({@code DOWN} line), if any. */
        Result down;
        Detail downDetail;

        Section(Pool pool, Scenario scenario, String db) {
            this.pool = pool;
            this.scenario = scenario;
            this.db = db;
        }

        Result result() {
            if (result == null) {
                fail("no RESULT line for " + this);
            }
            return result;
        }

        Detail detail() {
            if (detail == null) {
                fail("no DETAIL line for " + this);
            }
            return detail;
        }

        /** {@code key=value} from the first of this section's lines that starts with {@code prefix}; null if none. */
        String field(String prefix, String key) {
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    Matcher m = Pattern.compile("(?:^| )" + Pattern.quote(key) + "=(\\S+)").matcher(line);
                    return m.find() ? m.group(1) : null;
                }
            }
            return null;
        }

        boolean hasResult() {
            return result != null;
        }

        List<AgentEvent> events(Predicate<AgentEvent> filter) {
            return events.stream().filter(filter).collect(Collectors.toList());
        }

        /** For failure messages: the results and every agent event of this section. */
        String describe() {
            StringBuilder sb = new StringBuilder(toString()).append(": ").append(result).append(' ').append(detail);
            events.forEach(e -> sb.append("\n  ").append(e.text().replace("\n", "\n  ")));
            return sb.toString();
        }

        @Override
        public String toString() {
            return "pool=" + pool + " db=" + db + " scenario=" + scenario;
        }
    }

    final String name;
    private final List<String> lines;
    private final Map<String, Section> sections = new LinkedHashMap<>();
    private final List<AgentEvent> events = new ArrayList<>();

    private AppOutput(String name, List<String> lines) {
        this.name = name;
        this.lines = List.copyOf(lines);
    }

    static AppOutput parse(String name, List<String> lines) {
        AppOutput out = new AppOutput(name, lines);
        Section open = null;
        Section ended = null;
        AgentEvent last = null;
        for (String line : lines) {
            if (last != null && !line.isBlank() && Character.isWhitespace(line.charAt(0))) {
                last.addContinuation(line);
                continue;
            }
            last = null;
            if (AgentEvent.starts(line)) {
                last = AgentEvent.parse(line);
                out.events.add(last);
                if (open != null) {
                    open.events.add(last);
                }
                continue;
            }
            Matcher mbean = MBEAN.matcher(line);
            if (mbean.matches() && ended != null) {
                Map<String, String> attributes = new LinkedHashMap<>();
                // A value may hold spaces (IdleLimit's "unknown: 0 of 3 deaths, ..."): a pair starts at "Name=".
                for (String pair : mbean.group(2).trim().split(" (?=[A-Za-z]\\w*=)")) {
                    int eq = pair.indexOf('=');
                    attributes.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                ended.mbeans.put(mbean.group(1), attributes);
                continue;
            }
            if (open != null && !MARKER.matcher(line).matches()) {
                open.lines.add(line);
            }
            if (line.startsWith("DOWN ") && open != null) {
                Matcher r = RESULT.matcher(line);
                Matcher d = DETAIL.matcher(line);
                if (r.find() && d.find()) {
                    open.down = new Result(Integer.parseInt(r.group(1)), Integer.parseInt(r.group(2)),
                            Long.parseLong(r.group(3)));
                    open.downDetail = new Detail(Integer.parseInt(d.group(1)), d.group(2), d.group(3).trim());
                }
                continue;
            }
            Matcher m = MARKER.matcher(line);
            if (!m.matches()) {
                continue;
            }
            Pool pool = Pool.fromCli(m.group(2));
            Scenario scenario = Scenario.fromCli(m.group(4));
            String key = key(pool, scenario);
            switch (m.group(1)) {
                case "SCENARIO" -> {
                    ended = null;
                    open = new Section(pool, scenario, m.group(3));
                    out.sections.put(key, open);
                }
                case "RESULT" -> {
                    Section s = out.sections.computeIfAbsent(key, k -> new Section(pool, scenario, m.group(3)));
                    Matcher r = RESULT.matcher(m.group(5));
                    if (r.find()) {
                        s.result = new Result(Integer.parseInt(r.group(1)), Integer.parseInt(r.group(2)),
                                Long.parseLong(r.group(3)));
                    }
                    open = null;
                }
                default -> {
                    Section s = out.sections.computeIfAbsent(key, k -> new Section(pool, scenario, m.group(3)));
                    Matcher d = DETAIL.matcher(m.group(5));
                    if (d.find()) {
                        s.detail = new Detail(Integer.parseInt(d.group(1)), d.group(2), d.group(3).trim());
                    }
                    ended = s;
                }
            }
        }
        return out;
    }

    private static String key(Pool pool, Scenario scenario) {
        return pool.cli + "/" + scenario.cli;
    }

    /** The section of one pool and scenario; fails if the app never started it. */
    Section section(Pool pool, Scenario scenario) {
        Section s = sections.get(key(pool, scenario));
        if (s == null) {
            fail(name + ": no SCENARIO pool=" + pool + " scenario=" + scenario + " in the output; found "
                    + sections.keySet());
        }
        return s;
    }

    Optional<Section> findSection(Pool pool, Scenario scenario) {
        return Optional.ofNullable(sections.get(key(pool, scenario)));
    }

    /** Every agent event of the run, including those outside any section (start-up, shutdown). */
    /** Every line of the run's output, the agent's and everyone else's. */
    List<String> lines() {
        return lines;
    }

    List<AgentEvent> events() {
        return Collections.unmodifiableList(events);
    }

    List<AgentEvent> events(String type) {
        return events.stream().filter(e -> e.type.equals(type)).collect(Collectors.toList());
    }

    /** Every line the agent printed: the event lines and their indented continuations. */
    List<String> agentLines() {
        List<String> all = new ArrayList<>();
        events.forEach(e -> {
            all.add(e.line);
            all.addAll(e.continuation());
        });
        return all;
    }

    /** Every line of the run, the agent's and the app's, as printed. */
    List<String> allLines() {
        return lines;
    }

    /** Lines that mention the agent's prefix anywhere, even mid-line (for "prints nothing" checks). */
    List<String> linesMentioningAgent() {
        return lines.stream().filter(l -> l.contains("[poolguard]")).collect(Collectors.toList());
    }

    @Override
    public String toString() {
        return name;
    }
}
