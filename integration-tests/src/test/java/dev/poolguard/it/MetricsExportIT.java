package dev.poolguard.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Pool health in the fleet's metrics, through the two exporters operators run, each attached beside the agent with
 * the rules the project ships (docs/, also in the agent's jar), after a fault run (killed sessions) on two pools: the
 * Prometheus JMX exporter, scraped on loopback while the app lingers, where every pool MBean attribute arrives as
 * {@code poolguard_<attribute>} with a {@code pool} label; and the OpenTelemetry Java agent's JMX metrics, printed by
 * its logging exporter, as {@code poolguard.<attribute>} with a {@code pool} attribute. Each with the value the MBean
 * printed after the scenario.
 */
class MetricsExportIT {
    /** The MBean attributes with their metric names, as the exporter writes them (counters end in _total). */
    private static final Map<String, String> METRICS = Map.ofEntries(
            Map.entry("Borrows", "poolguard_borrows_total"), Map.entry("Pings", "poolguard_pings_total"),
            Map.entry("Keepalives", "poolguard_keepalives_total"),
            Map.entry("PoolValidations", "poolguard_pool_validations_total"),
            Map.entry("DeadFound", "poolguard_dead_found_total"),
            Map.entry("EvictedDead", "poolguard_evicted_dead_total"), Map.entry("Recycled", "poolguard_recycled_total"),
            Map.entry("LongHolds", "poolguard_long_holds_total"),
            Map.entry("FailuresDiagnosed", "poolguard_failures_diagnosed_total"),
            Map.entry("Exhausted", "poolguard_exhausted_total"),
            Map.entry("StateResets", "poolguard_state_resets_total"),
            Map.entry("ActiveLeases", "poolguard_active_leases"),
            Map.entry("TrackedConnections", "poolguard_tracked_connections"),
            Map.entry("OldestLeaseAgeMillis", "poolguard_oldest_lease_age_millis"),
            Map.entry("OldestConnectionAgeMillis", "poolguard_oldest_connection_age_millis"),
            Map.entry("IdleSurvivedMaxMillis", "poolguard_idle_survived_max_millis"),
            Map.entry("IdleDeadMinMillis", "poolguard_idle_dead_min_millis"));
    /** Gauges that move on their own (the age of what is open): present, value not compared. */
    private static final List<String> MOVING = List.of("OldestLeaseAgeMillis", "OldestConnectionAgeMillis",
            "TrackedConnections");

    record Scraped(AppOutput out, String metrics) {}

    private static Scraped scraped;
    private static AppOutput exportedByOpenTelemetry;

    /**
     * One run with the OpenTelemetry agent's JMX metrics and its logging exporter, every second, nothing on the
     * network; it lingers after its scenarios so that an export follows the MBeans' final values.
     */
    private static synchronized AppOutput exportedByOpenTelemetry() {
        if (exportedByOpenTelemetry == null) {
            exportedByOpenTelemetry = TestApp.named("MetricsExportIT-opentelemetry").db(Db.POSTGRES).withAgent()
                    .jvmArg("-javaagent:" + ItSettings.otherAgents().resolve("opentelemetry-javaagent.jar"))
                    .jvmArg("-Dotel.jmx.config=" + ItSettings.docs().resolve("otel-jmx.yaml"))
                    .jvmArg("-Dotel.metrics.exporter=logging").jvmArg("-Dotel.metric.export.interval=1000")
                    .jvmArg("-Dotel.traces.exporter=none").jvmArg("-Dotel.logs.exporter=none")
                    .jvmArg("-Dotel.service.name=poolguard-test-app")
                    .env("POOLGUARD_PREPING_TIMEOUT", "1s")
                    .pools("tomcat,hikari").scenarios("stale")
                    .args("--print-mbeans", "dev.poolguard:type=Pool,*", "--linger-ms", "4000")
                    .timeout(Duration.ofMinutes(2))
                    .run();
        }
        return exportedByOpenTelemetry;
    }

    /** The MBean of {@code pool} as printed after the scenario: its name and attributes. */
    private static Map.Entry<String, Map<String, String>> bean(AppOutput.Section section, Pool pool) {
        return section.mbeans.entrySet().stream()
                .filter(e -> pool.namedIn(e.getKey().substring(e.getKey().indexOf("name=") + 5)))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no MBean for " + pool));
    }

    /** One run for the class: the test app with both agents, scraped once it lingers after its scenarios. */
    private static synchronized Scraped scraped() {
        if (scraped == null) {
            AtomicReference<String> metrics = new AtomicReference<>("");
            int port = freePort();
            Path exporter = ItSettings.exporters().resolve("jmx_prometheus_javaagent.jar");
            Path rules = ItSettings.docs().resolve("prometheus-jmx.yaml");
            AppOutput out = TestApp.named("MetricsExportIT-prometheus").db(Db.POSTGRES).withAgent()
                    .jvmArg("-javaagent:" + exporter + "=127.0.0.1:" + port + ":" + rules)
                    .env("POOLGUARD_PREPING_TIMEOUT", "1s")
                    .pools("tomcat,hikari").scenarios("stale")
                    .args("--print-mbeans", "dev.poolguard:type=Pool,*", "--linger-ms", "5000")
                    .timeout(Duration.ofMinutes(2))
                    .run("LINGER", app -> metrics.set(scrape(port)));
            scraped = new Scraped(out, metrics.get());
        }
        return scraped;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String scrape(int port) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, names = {"TOMCAT", "HIKARI"})
    void everyAttributeArrivesWithThePoolLabelAndTheMBeansValue(Pool pool) {
        Scraped s = scraped();
        AppOutput.Section section = s.out().section(pool, Scenario.STALE);
        assertEquals(0, section.result().failed(), section::describe);
        Map.Entry<String, Map<String, String>> bean = bean(section, pool);
        String name = bean.getKey().substring(bean.getKey().indexOf("name=") + 5);
        assertTrue(Long.parseLong(bean.getValue().get("DeadFound")) > 0, bean::toString);
        METRICS.forEach((attribute, metric) -> {
            Matcher m = Pattern.compile("(?m)^" + metric + "\\{pool=\"" + Pattern.quote(name) + "\",?\\} (\\S+)$")
                    .matcher(s.metrics());
            assertTrue(m.find(), () -> metric + "{pool=\"" + name + "\"} not in the scrape:\n" + s.metrics());
            if (!MOVING.contains(attribute)) {
                assertEquals(Double.parseDouble(bean.getValue().get(attribute)), Double.parseDouble(m.group(1)),
                        () -> attribute + " " + bean.getValue() + "\n" + m.group());
            }
        });
    }

    /**
     * The logging exporter prints one line per metric and export, its points as
     * {@code attributes={pool="HikariPool-1"}, value=3}; the last line of each metric follows the scenario.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Pool.class, names = {"TOMCAT", "HIKARI"})
    void everyAttributeArrivesThroughOpenTelemetryWithThePoolAttributeAndTheMBeansValue(Pool pool) {
        AppOutput out = exportedByOpenTelemetry();
        AppOutput.Section section = out.section(pool, Scenario.STALE);
        assertEquals(0, section.result().failed(), section::describe);
        Map.Entry<String, Map<String, String>> bean = bean(section, pool);
        String name = bean.getKey().substring(bean.getKey().indexOf("name=") + 5);
        assertTrue(Long.parseLong(bean.getValue().get("DeadFound")) > 0, bean::toString);
        Pattern point = Pattern.compile("attributes=\\{pool=\"" + Pattern.quote(name) + "\"\\}, value=([-0-9.E]+)");
        METRICS.forEach((attribute, prometheusName) -> {
            String metric = "poolguard." + prometheusName.substring("poolguard_".length())
                    .replaceAll("_total$", "").replaceAll("_millis$", "");
            String last = null;
            for (String line : out.allLines()) {
                if (line.contains("name=" + metric + ",") && point.matcher(line).find()) {
                    last = line;
                }
            }
            assertTrue(last != null, () -> metric + " for " + name + " never exported:\n"
                    + String.join("\n", out.allLines().stream().filter(l -> l.contains("poolguard.")).toList()));
            Matcher m = point.matcher(last);
            assertTrue(m.find());
            if (!MOVING.contains(attribute)) {
                String line = last;
                assertEquals(Double.parseDouble(bean.getValue().get(attribute)), Double.parseDouble(m.group(1)),
                        () -> attribute + " " + bean.getValue() + "\n" + line);
            }
        });
        AgentExpectations.assertNoHookFailed(out);
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"prometheus-jmx.yaml", "otel-jmx.yaml"})
    void theAgentJarCarriesTheSameRules(String rules) throws IOException {
        try (ZipFile jar = new ZipFile(ItSettings.agentJar().toFile())) {
            byte[] inJar = jar.getInputStream(jar.getEntry("META-INF/poolguard/" + rules)).readAllBytes();
            assertEquals(Files.readString(ItSettings.docs().resolve(rules)), new String(inJar,
                    java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
