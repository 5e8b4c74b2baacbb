package dev.poolguard.it;

import static dev.poolguard.it.AgentExpectations.FAULT_FLAGS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code POOLGUARD_LOG_TARGET=application} and {@code POOLGUARD_LOG_FORMAT=json} with real logging frameworks, each
 * configured the way a user would (a config file named by a system property, jars on the class path), the test app
 * itself unchanged. One fault run each (stale and hold, HikariCP and DBCP2, PostgreSQL):
 * <ul>
 * <li>the Spring Boot jar with Logback and logstash-logback-encoder added through {@code loader.path}: SLF4J 2,
 * the fields as key/values, JSON fields in the encoder's output;
 * <li>Log4j 2 with JsonTemplateLayout behind the SLF4J API (log4j-slf4j2-impl): the same, the key/values in the
 * context map;
 * <li>Log4j 2 with JsonTemplateLayout, SLF4J left without a provider, java.util.logging routed to Log4j (log4j-jul):
 * the agent skips SLF4J and writes a StringMapMessage through the Log4j API;
 * <li>java.util.logging alone (SLF4J without a provider): the text form, one record per event;
 * <li>the default target beside Logback: the events stay on stderr as text, none reaches Logback;
 * <li>{@code POOLGUARD_LOG_FORMAT=json}: every agent line on stderr a JSON object.
 * </ul>
 * Each run must log the same pool events as the default run, every one through its framework, with its fields;
 * stderr has agent lines only up to the {@code log.target} line that says the framework took over.
 */
class LogTargetIT {
    private static final Runs RUNS = new Runs();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String POOLS = "hikari,dbcp2";
    private static final String SCENARIOS = "stale,hold";
    /** The events these scenarios bring for every pool; each run must have the same (event, pool) pairs. */
    private static final Set<String> COMPARED = Set.of("preping.dead", "hold.long", "hold.returned");
    /** Events the agent may write on stderr before the application's logging is usable. */
    private static final Set<String> BEFORE_READY = Set.of("agent.started");
    private static final String LOG_FILE = "app-log.out";

    enum Setup {
        DEFAULT_TARGET(null, false),
        LOGBACK("slf4j2", true),
        LOG4J_SLF4J("slf4j2", true),
        LOG4J_API("log4j2", true),
        JUL("jul", false),
        JSON_STDERR(null, true);

        /** The framework the agent must pick; null: the run stays on stderr. */
        final String framework;
        /** Whether the run's fields come as JSON fields (else from the text form). */
        final boolean structured;

        Setup(String framework, boolean structured) {
            this.framework = framework;
            this.structured = structured;
        }

        String runName() {
            return "LogTargetIT-" + name().toLowerCase().replace('_', '-');
        }

        static Stream<Setup> application() {
            return Stream.of(values()).filter(s -> s.framework != null);
        }
    }

    /** One event as the application's logging (or the agent's JSON) wrote it. */
    record Logged(String event, String level, Map<String, String> fields, String text) {
        String pool() {
            return fields.getOrDefault("pool", "");
        }

        @Override
        public String toString() {
            return event + " " + fields;
        }
    }

    /** A run: the merged stdout and stderr, and what the application's logging wrote to its file. */
    record Run(AppOutput output, List<Logged> logged) {}

    /** Runs shares AppOutputs; what the framework wrote is kept here, beside it. */
    private static final Map<Setup, Run> RUN_RESULTS = new ConcurrentHashMap<>();

    private static AppOutput launchOutput(Setup setup) {
        return launch(setup).output();
    }

    private static Run launch(Setup setup) {
        Path dir = ItSettings.workDir().resolve(setup.runName());
        Path logFile = dir.resolve(LOG_FILE);
        TestApp app = TestApp.named(setup.runName()).withAgent().env(FAULT_FLAGS).db(Db.POSTGRES)
                .pools(POOLS).scenarios(SCENARIOS).timeout(Duration.ofMinutes(3));
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(logFile);
            switch (setup) {
                case DEFAULT_TARGET, LOGBACK -> logback(app, dir, logFile);
                case LOG4J_SLF4J -> log4j(app, dir, logFile, "log4j-slf4j");
                case LOG4J_API -> log4j(app, dir, logFile, "log4j-jul")
                        .systemProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
                case JUL -> jul(app, dir, logFile);
                case JSON_STDERR -> app.env("POOLGUARD_LOG_FORMAT", "json");
                default -> throw new AssertionError(setup);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (setup.framework != null) {
            app.env("POOLGUARD_LOG_TARGET", "application");
        }
        AppOutput output = app.run();
        List<Logged> logged = switch (setup) {
            case DEFAULT_TARGET, LOGBACK -> readLogstash(logFile);
            case LOG4J_SLF4J, LOG4J_API -> readTemplateLayout(logFile);
            case JUL -> readJul(logFile);
            case JSON_STDERR -> readAgentJson(output);
        };
        Run run = new Run(output, logged);
        RUN_RESULTS.put(setup, run);
        return run;
    }

    /** The Spring Boot jar, Logback and the encoder added with loader.path, Logback chosen as SLF4J's provider. */
    private static TestApp logback(TestApp app, Path dir, Path logFile) throws IOException {
        Path config = dir.resolve("logback.xml");
        Files.writeString(config, """
                <configuration>
                  <appender name="json" class="ch.qos.logback.core.FileAppender">
                    <file>%s</file>
                    <encoder class="net.logstash.logback.encoder.LogstashEncoder"/>
                  </appender>
                  <root level="INFO"><appender-ref ref="json"/></root>
                </configuration>
                """.formatted(logFile));
        return app.classPath(ItSettings.testAppBootJar().toString(),
                        "org.springframework.boot.loader.launch.PropertiesLauncher")
                .systemProperty("loader.main", "dev.poolguard.testapp.Main")
                .systemProperty("loader.path", ItSettings.logFrameworks().resolve("logback").toString())
                // The boot jar brings slf4j-simple; the user picks Logback as SLF4J's provider.
                .systemProperty("slf4j.provider", "ch.qos.logback.classic.spi.LogbackServiceProvider")
                .systemProperty("logback.configurationFile", config.toString());
    }

    /** The test app's classes and libraries without slf4j-simple, plus the jars of {@code frameworks}. */
    private static String classPath(String frameworks) throws IOException {
        List<String> entries = new ArrayList<>();
        entries.add(ItSettings.testAppClasses().toString());
        Path lib = ItSettings.testAppJar().getParent().resolve("lib");
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(j -> !j.getFileName().toString().startsWith("slf4j-simple")).sorted()
                    .forEach(j -> entries.add(j.toString()));
        }
        if (frameworks != null) {
            try (Stream<Path> jars = Files.list(ItSettings.logFrameworks().resolve(frameworks))) {
                jars.sorted().forEach(j -> entries.add(j.toString()));
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static TestApp log4j(TestApp app, Path dir, Path logFile, String frameworks) throws IOException {
        Path template = dir.resolve("template.json");
        Files.writeString(template, """
                {
                  "logger": {"$resolver": "logger", "field": "name"},
                  "level": {"$resolver": "level", "field": "name"},
                  "message": {"$resolver": "message"},
                  "context": {"$resolver": "mdc"}
                }
                """);
        Path config = dir.resolve("log4j2.xml");
        Files.writeString(config, """
                <Configuration status="warn">
                  <Appenders>
                    <File name="json" fileName="%s">
                      <JsonTemplateLayout eventTemplateUri="%s"/>
                    </File>
                  </Appenders>
                  <Loggers>
                    <Root level="info"><AppenderRef ref="json"/></Root>
                  </Loggers>
                </Configuration>
                """.formatted(logFile, template.toUri()));
        return app.classPath(classPath(frameworks)).systemProperty("log4j2.configurationFile", config.toString());
    }

    private static TestApp jul(TestApp app, Path dir, Path logFile) throws IOException {
        Path config = dir.resolve("logging.properties");
        Files.writeString(config, String.join("\n",
                "handlers=java.util.logging.FileHandler",
                "java.util.logging.FileHandler.pattern=" + logFile,
                "java.util.logging.FileHandler.encoding=UTF-8",
                "java.util.logging.FileHandler.formatter=java.util.logging.SimpleFormatter",
                // One record: @@logger|level|message (the message may span lines).
                "java.util.logging.SimpleFormatter.format=@@%3$s|%4$s|%5$s%n",
                ".level=INFO", ""));
        return app.classPath(classPath(null)).systemProperty("java.util.logging.config.file", config.toString());
    }

    /** logstash-logback-encoder: one object a line; the key/values are top-level fields. */
    private static List<Logged> readLogstash(Path file) {
        List<Logged> out = new ArrayList<>();
        for (JsonNode line : jsonLines(file)) {
            String logger = line.path("logger_name").asText();
            if (logger.startsWith("dev.poolguard.")) {
                Map<String, String> fields = strings(line);
                for (String standard : List.of("@timestamp", "@version", "message", "logger_name", "thread_name",
                        "level", "level_value")) {
                    fields.remove(standard);
                }
                out.add(new Logged(logger.substring("dev.poolguard.".length()), line.path("level").asText(), fields,
                        line.path("message").asText()));
            }
        }
        return out;
    }

    /** JsonTemplateLayout with the template above: a map message as an object, key/values in the context. */
    private static List<Logged> readTemplateLayout(Path file) {
        List<Logged> out = new ArrayList<>();
        for (JsonNode line : jsonLines(file)) {
            String logger = line.path("logger").asText();
            if (logger.startsWith("dev.poolguard.")) {
                JsonNode message = line.path("message");
                Map<String, String> fields = message.isObject() ? strings(message) : strings(line.path("context"));
                out.add(new Logged(logger.substring("dev.poolguard.".length()), line.path("level").asText(), fields,
                        message.isObject() ? message.toString() : message.asText()));
            }
        }
        return out;
    }

    /** SimpleFormatter records {@code @@logger|level|message}; the fields from the text form. */
    private static List<Logged> readJul(Path file) {
        List<Logged> out = new ArrayList<>();
        String text = read(file);
        for (String record : text.split("(?m)^@@")) {
            if (!record.startsWith("dev.poolguard.")) {
                continue;
            }
            String[] parts = record.split("\\|", 3);
            String message = parts[2].stripTrailing();
            String[] lines = message.split("\n");
            AgentEvent e = AgentEvent.parse(AgentEvent.PREFIX + lines[0]);
            for (int i = 1; i < lines.length; i++) {
                e.addContinuation(lines[i]);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("event", e.type);
            if (!e.pool.isEmpty()) {
                fields.put("pool", e.pool);
            }
            for (String key : List.of("by", "idle", "reason", "thread", "held")) {
                String value = "reason".equals(key) ? e.rest(key) : e.field(key);
                if (value != null) {
                    fields.put(key, value);
                }
            }
            if (lines.length > 1) {
                fields.put("stack", message.substring(message.indexOf('\n') + 1));
            }
            out.add(new Logged(parts[0].substring("dev.poolguard.".length()), parts[1], fields, message));
        }
        return out;
    }

    /** POOLGUARD_LOG_FORMAT=json: the agent's lines in the merged output, each a JSON object. */
    private static List<Logged> readAgentJson(AppOutput output) {
        List<Logged> out = new ArrayList<>();
        for (String line : output.lines()) {
            if (line.startsWith("{\"time\"")) {
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw new AssertionError(output + ": an agent line is not JSON: " + line, e);
                }
                out.add(new Logged(node.path("event").asText(), node.path("level").asText(), strings(node), line));
            }
        }
        return out;
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            fields.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString());
        }
        return fields;
    }

    private static List<JsonNode> jsonLines(Path file) {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : read(file).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                nodes.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new AssertionError(file + ": a line is not JSON: " + line, e);
            }
        }
        return nodes;
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Run get(Setup setup) {
        RUNS.get(setup.name(), () -> launchOutput(setup));
        Run run = RUN_RESULTS.get(setup);
        assertNotNull(run, setup + ": no run");
        return run;
    }

    /** Every run up front, in the background (see Runs). */
    @BeforeAll
    static void startRuns() {
        for (Setup setup : Setup.values()) {
            RUNS.start(setup.name(), () -> launchOutput(setup));
        }
    }

    private static Set<String> compared(Stream<String[]> eventAndPool) {
        return eventAndPool.filter(e -> COMPARED.contains(e[0])).map(e -> e[0] + " " + e[1])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The (event, pool) pairs of the default run, from its stderr text lines. */
    private static Set<String> expected() {
        Set<String> expected = compared(get(Setup.DEFAULT_TARGET).output().events().stream()
                .map(e -> new String[] {e.type, e.pool}));
        for (String event : COMPARED) {
            for (String pool : List.of("HikariPool-", "dbcp2-")) {
                assertTrue(expected.stream().anyMatch(p -> p.startsWith(event + " " + pool)),
                        () -> "the default run has no " + event + " for " + pool + ": " + expected);
            }
        }
        return expected;
    }

    @ParameterizedTest
    @EnumSource(Setup.class)
    void everyRequestSucceeds(Setup setup) {
        AppOutput out = get(setup).output();
        for (String pool : POOLS.split(",")) {
            for (String scenario : SCENARIOS.split(",")) {
                AgentExpectations.assertNoRequestFailed(out, Pool.fromCli(pool), Scenario.fromCli(scenario));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"LOGBACK", "LOG4J_SLF4J", "LOG4J_API", "JUL", "JSON_STDERR"})
    void everyPoolEventArrivesOnceAsInTheDefaultRun(Setup setup) {
        Run run = get(setup);
        Set<String> logged = compared(run.logged().stream().map(l -> new String[] {l.event(), l.pool()}));
        assertEquals(expected(), logged, () -> setup + ": the events written through "
                + (setup.framework == null ? "stderr JSON" : setup.framework) + " differ from the default run's;"
                + " logged: " + run.logged());
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"LOGBACK", "LOG4J_SLF4J", "LOG4J_API", "JUL", "JSON_STDERR"})
    void eachEventCarriesItsFields(Setup setup) {
        Run run = get(setup);
        List<Logged> dead = run.logged().stream().filter(l -> l.event().equals("preping.dead")).toList();
        assertFalse(dead.isEmpty(), () -> setup + ": no preping.dead logged: " + run.logged());
        for (Logged l : dead) {
            assertTrue(l.level().toUpperCase().startsWith("WARN"), () -> setup + ": " + l + " level " + l.level());
            if (setup.structured) {
                assertEquals("preping.dead", l.fields().get("event"), () -> setup + ": " + l);
            }
            assertTrue(l.fields().get("pool").matches("HikariPool-\\d+|dbcp2-\\d+"), () -> setup + ": " + l);
            assertTrue(l.fields().getOrDefault("by", "").matches("pool|poolguard"), () -> setup + ": " + l);
            assertTrue(l.fields().getOrDefault("idle", "").matches("\\d+ms|unknown"), () -> setup + ": " + l);
            // The reason holds spaces: it arrives whole, not cut at the first one.
            assertTrue(l.fields().getOrDefault("reason", "").contains(" "), () -> setup + ": " + l);
        }
        List<Logged> holds = run.logged().stream().filter(l -> l.event().equals("hold.long")).toList();
        assertFalse(holds.isEmpty(), () -> setup + ": no hold.long logged: " + run.logged());
        for (Logged l : holds) {
            assertTrue(l.level().toUpperCase().startsWith("WARN"), () -> setup + ": " + l + " level " + l.level());
            assertEquals(AgentExpectations.HOLD_THREAD, l.fields().get("thread"), () -> setup + ": " + l);
            assertTrue(l.fields().getOrDefault("held", "").matches("\\d+ms"), () -> setup + ": " + l);
            // The stacks stay in the one event.
            String stack = l.fields().getOrDefault("stack", "");
            assertTrue(stack.contains("borrowed at:") && stack.contains("holder now:")
                    && stack.contains("HoldScenario.handleDownloadRequest"), () -> setup + ": " + l);
        }
        run.logged().stream().filter(l -> l.event().equals("hold.returned")).forEach(l ->
                assertTrue(l.level().toUpperCase().startsWith("INFO"), () -> setup + ": " + l + " level " + l.level()));
    }

    @ParameterizedTest
    @EnumSource(value = Setup.class, names = {"LOGBACK", "LOG4J_SLF4J", "LOG4J_API", "JUL"})
    void stderrHasNoEventOnceTheFrameworkTookOver(Setup setup) {
        Run run = get(setup);
        List<AgentEvent> events = run.output().events();
        int switched = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).type.equals("log.target")) {
                switched = i;
                break;
            }
        }
        assertTrue(switched >= 0, () -> setup + ": no log.target line on stderr: " + events);
        AgentEvent target = events.get(switched);
        assertEquals("application", target.field("target"), target::toString);
        assertEquals(setup.framework, target.field("framework"), target::toString);
        List<AgentEvent> before = events.subList(0, switched);
        assertTrue(before.stream().allMatch(e -> BEFORE_READY.contains(e.type)),
                () -> setup + ": events on stderr before the framework was usable: " + before);
        List<AgentEvent> after = events.subList(switched + 1, events.size());
        assertTrue(after.isEmpty(), () -> setup + ": events on stderr after log.target: " + after);
        // Nor anything of an event's text: its stack lines went with it.
        assertTrue(run.output().lines().stream().noneMatch(l -> l.contains("borrowed at:")),
                () -> setup + ": stack lines on stderr");
    }

    @Test
    void theFrameworkBehindEachSetupIsTheOneTheUserConfigured() {
        assertTrue(binding(Setup.LOGBACK).startsWith("ch.qos.logback."), () -> binding(Setup.LOGBACK));
        assertTrue(binding(Setup.LOG4J_SLF4J).startsWith("org.apache.logging.slf4j."),
                () -> binding(Setup.LOG4J_SLF4J));
        assertTrue(binding(Setup.LOG4J_API).startsWith("org.apache.logging.log4j.core."),
                () -> binding(Setup.LOG4J_API));
        assertEquals("java.util.logging.LogManager", binding(Setup.JUL));
    }

    private static String binding(Setup setup) {
        return get(setup).output().events("log.target").stream().map(e -> e.field("binding")).findFirst()
                .orElse("none");
    }

    @Test
    void byDefaultEventsStayOnStderrAsText() {
        Run run = get(Setup.DEFAULT_TARGET);
        assertTrue(run.logged().isEmpty(), () -> "events reached Logback without POOLGUARD_LOG_TARGET: " + run.logged());
        assertTrue(run.output().events("log.target").isEmpty(), () -> run.output().events().toString());
        assertFalse(run.output().events("agent.started").isEmpty(), "no agent.started line");
        // Logback was in use: the app's own (HikariCP's) lines are in its file.
        assertTrue(read(ItSettings.workDir().resolve(Setup.DEFAULT_TARGET.runName()).resolve(LOG_FILE))
                .contains("com.zaxxer.hikari"), "Logback wrote nothing of HikariCP's");
        expected();
    }

    @Test
    void theJsonFormatWritesEveryAgentLineAsOneObject() {
        Run run = get(Setup.JSON_STDERR);
        AppOutput out = run.output();
        assertTrue(out.events().isEmpty(), () -> "text lines with POOLGUARD_LOG_FORMAT=json: " + out.events());
        assertTrue(out.lines().stream().noneMatch(l -> l.contains("borrowed at:") && !l.startsWith("{")),
                "a stack line outside its JSON object");
        assertFalse(run.logged().isEmpty(), "no JSON lines");
        assertTrue(run.logged().stream().anyMatch(l -> l.event().equals("agent.started")), "no agent.started");
        for (Logged l : run.logged()) {
            Map<String, String> f = l.fields();
            List<String> names = new ArrayList<>(f.keySet());
            assertEquals(List.of("time", "level", "event"), names.subList(0, 3), () -> l.text());
            Instant.parse(f.get("time"));
            assertTrue(f.get("time").endsWith("Z"), () -> l.text());
            assertTrue(Set.of("debug", "info", "warn").contains(f.get("level")), () -> l.text());
            assertTrue(f.get("event").matches("[a-z]+(\\.[a-z]+)*"), () -> l.text());
            assertTrue(JSON_VALUES_ARE_STRINGS.test(l.text()), () -> l.text());
        }
    }

    private static final Predicate<String> JSON_VALUES_ARE_STRINGS = line -> {
        try {
            JsonNode node = JSON.readTree(line);
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                if (!it.next().isTextual()) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            fail(line, e);
            return false;
        }
    };
}
