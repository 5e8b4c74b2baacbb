package dev.poolguard.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The agent's settings, read once at start-up from three sources: agent argument ({@code preping.idle=1s}),
 * system property ({@code poolguard.preping.idle}) and environment ({@code POOLGUARD_PREPING_IDLE}), in that
 * order of precedence. A bad value never stops the app: it becomes one warning and the default is used.
 */
public final class Config {

    enum Kind {
        BOOL("true or false"),
        DURATION("a duration: 250ms, 30s, 15m, 1h, a bare number of ms, or 0 for off"),
        POOLS("all, or a comma list of adapters"),
        STACK("auto, true or false"),
        LEVEL("one of debug, info, warn, error, off"),
        TARGET("stderr or application"),
        FORMAT("text or json");

        final String form;

        Kind(String form) {
            this.form = form;
        }
    }

    /** Every flag, with its default. Keep in step with the README's flag table. */
    static final Map<String, Kind> FLAGS = new LinkedHashMap<>();
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        flag("enabled", Kind.BOOL, "true");
        flag("pools", Kind.POOLS, "all");
        flag("preping", Kind.BOOL, "true");
        flag("preping.idle", Kind.DURATION, "500ms");
        flag("preping.timeout", Kind.DURATION, "3s");
        flag("max.lifetime", Kind.DURATION, "30m");
        flag("hold.warn", Kind.DURATION, "60s");
        flag("hold.stack", Kind.STACK, "auto");
        flag("exhaustion.dump.interval", Kind.DURATION, "60s");
        flag("keepalive", Kind.DURATION, "0");
        flag("state.reset", Kind.BOOL, "true");
        flag("jmx", Kind.BOOL, "true");
        flag("prewoven", Kind.BOOL, "true");
        flag("log.level", Kind.LEVEL, "info");
        flag("log.target", Kind.TARGET, "stderr");
        flag("log.format", Kind.FORMAT, "text");
    }

    private static void flag(String key, Kind kind, String defaultValue) {
        FLAGS.put(key, kind);
        DEFAULTS.put(key, defaultValue);
    }

    public final boolean enabled;
    /** Adapter ids to enable; empty means all. */
    public final Set<String> pools;
    public final boolean preping;
    public final long prepingIdleMillis;
    public final long prepingTimeoutMillis;
    public final long maxLifetimeMillis;
    public final long holdWarnMillis;
    /** auto, true or false. */
    public final String holdStack;
    public final long exhaustionDumpIntervalMillis;
    public final long keepaliveMillis;
    public final boolean stateReset;
    public final boolean jmx;
    /** Whether classes the agent's build wove are handed out as they are ({@link PreWoven}). */
    public final boolean preWoven;
    public final String logLevel;
    /** stderr, or application: the application's own logging (SLF4J, Log4j 2 or java.util.logging). */
    public final String logTarget;
    /** text or json: the form of the lines on stderr. */
    public final String logFormat;
    /** One {@code config.invalid} line each. */
    public final List<String> problems;
    /** {@code key=value(source)} for every setting that is not the default. */
    public final List<String> nonDefaults;

    private final Map<String, String> values = new LinkedHashMap<>();

    private Config(Map<String, String> raw, Map<String, String> sources, Set<String> adapterIds, List<String> problems) {
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, Kind> flag : FLAGS.entrySet()) {
            String key = flag.getKey();
            String text = raw.get(key);
            String value = DEFAULTS.get(key);
            if (text != null && !text.equals(text.trim()) && valid(flag.getValue(), text.trim(), adapterIds)) {
                // Spaces around a value (a quoted env file, a YAML indent) are a slip, not a different intent.
                problems.add("flag=" + sources.get(key + ".name") + " value='" + text + "' expected=\""
                    + flag.getValue().form + ", without surrounding spaces\" using=" + text.trim());
                text = text.trim();
                value = text;
                if (!text.equals(DEFAULTS.get(key))) {
                    changed.add(key + "=" + text + "(" + sources.get(key) + ")");
                }
            } else if (text != null) {
                if (valid(flag.getValue(), text, adapterIds)) {
                    value = text;
                    if (!text.equals(DEFAULTS.get(key))) {
                        changed.add(key + "=" + text + "(" + sources.get(key) + ")");
                    }
                } else {
                    problems.add("flag=" + sources.get(key + ".name") + " value='" + text + "' expected=\""
                        + flag.getValue().form + (flag.getValue() == Kind.POOLS ? " " + String.join(",", adapterIds) : "")
                        + "\" using=" + value);
                }
            }
            values.put(key, value);
        }
        this.enabled = Boolean.parseBoolean(values.get("enabled"));
        this.pools = "all".equals(values.get("pools"))
            ? Collections.emptySet() : new LinkedHashSet<>(Arrays.asList(values.get("pools").split(",")));
        this.preping = Boolean.parseBoolean(values.get("preping"));
        this.prepingIdleMillis = Durations.parseMillis(values.get("preping.idle"));
        this.prepingTimeoutMillis = Durations.parseMillis(values.get("preping.timeout"));
        this.maxLifetimeMillis = Durations.parseMillis(values.get("max.lifetime"));
        this.holdWarnMillis = Durations.parseMillis(values.get("hold.warn"));
        this.holdStack = values.get("hold.stack");
        this.exhaustionDumpIntervalMillis = Durations.parseMillis(values.get("exhaustion.dump.interval"));
        this.keepaliveMillis = Durations.parseMillis(values.get("keepalive"));
        this.stateReset = Boolean.parseBoolean(values.get("state.reset"));
        this.jmx = Boolean.parseBoolean(values.get("jmx"));
        this.preWoven = Boolean.parseBoolean(values.get("prewoven"));
        this.logLevel = values.get("log.level");
        this.logTarget = values.get("log.target");
        this.logFormat = values.get("log.format");
        this.problems = Collections.unmodifiableList(problems);
        this.nonDefaults = Collections.unmodifiableList(changed);
    }

    /** The effective text of a flag, by its key ({@code hold.warn}). */
    String value(String key) {
        return values.get(key);
    }

    public boolean adapterEnabled(String id) {
        return pools.isEmpty() || pools.contains(id);
    }

    /** Reads the three sources; {@code adapterIds} are the names {@code pools} accepts. */
    public static Config load(String agentArgs, Map<String, String> env, Properties system, Set<String> adapterIds) {
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        // Lowest precedence first, so that later sources overwrite earlier ones.
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (name.startsWith("POOLGUARD_")) {
                String key = name.substring("POOLGUARD_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
                put(raw, sources, problems, key, name, e.getValue(), "env");
            }
        }
        for (String name : system.stringPropertyNames()) {
            if (name.startsWith("poolguard.")) {
                put(raw, sources, problems, name.substring("poolguard.".length()), name, system.getProperty(name), "sysprop");
            }
        }
        for (Map.Entry<String, String> e : parseAgentArgs(agentArgs, problems).entrySet()) {
            put(raw, sources, problems, e.getKey(), e.getKey(), e.getValue(), "agent-arg");
        }
        return new Config(raw, sources, adapterIds, problems);
    }

    private static void put(Map<String, String> raw, Map<String, String> sources, List<String> problems,
                            String key, String name, String value, String source) {
        if (!FLAGS.containsKey(key)) {
            String closest = Suggest.closest(key, FLAGS.keySet());
            String hint = closest == null ? "a known flag" : "a known flag; did you mean " + spell(closest, name) + "?";
            problems.add("flag=" + name + " value='" + (secret(name) ? "***" : value) + "' expected=\"" + hint
                + "\" using=ignored");
            return;
        }
        raw.put(key, value);
        sources.put(key, source);
        sources.put(key + ".name", name);
    }

    /**
     * Whether an unknown name looks like it holds a secret. Every {@code poolguard.*} system property is read as a
     * flag, so an application's own property in that namespace (a Tomcat context.xml's
     * {@code ${poolguard.db.password}}, say) arrives here, and its value must not reach the log.
     */
    static boolean secret(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.contains("password") || lower.contains("passwd") || lower.contains("secret")
            || lower.contains("token") || lower.contains("credential");
    }

    /** The suggestion is spelled the way the user spelled the unknown name (env, property or argument). */
    private static String spell(String key, String asWritten) {
        if (asWritten.startsWith("POOLGUARD_")) {
            return "POOLGUARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_');
        }
        return asWritten.startsWith("poolguard.") ? "poolguard." + key : key;
    }

    /**
     * {@code k=v,k2=v2} (or {@code ;} between pairs). A comma-separated piece without {@code =} continues the
     * previous value, so {@code pools=hikari,dbcp2,hold.warn=5s} reads as intended.
     */
    static Map<String, String> parseAgentArgs(String args, List<String> problems) {
        Map<String, String> out = new LinkedHashMap<>();
        if (args == null || args.isEmpty()) {
            return out;
        }
        String last = null;
        for (String piece : args.split("[,;]", -1)) {
            int eq = piece.indexOf('=');
            if (eq > 0) {
                last = piece.substring(0, eq);
                out.put(last, piece.substring(eq + 1));
            } else if (last != null && eq < 0 && !piece.isEmpty()) {
                out.put(last, out.get(last) + "," + piece);
            } else {
                problems.add("flag=agent-argument value='" + piece + "' expected=\"key=value pairs separated by commas\" using=ignored");
            }
        }
        return out;
    }

    private static boolean valid(Kind kind, String text, Set<String> adapterIds) {
        switch (kind) {
            case BOOL:
                return text.equals("true") || text.equals("false");
            case STACK:
                return text.equals("auto") || text.equals("true") || text.equals("false");
            case DURATION:
                return Durations.parseMillis(text) >= 0;
            case LEVEL:
                return Log.Level.parse(text) != null;
            case TARGET:
                return text.equals("stderr") || text.equals("application");
            case FORMAT:
                return text.equals("text") || text.equals("json");
            case POOLS:
                if (text.equals("all")) {
                    return true;
                }
                for (String id : text.split(",", -1)) {
                    if (!adapterIds.contains(id)) {
                        return false;
                    }
                }
                return true;
            default:
                throw new AssertionError(kind);
        }
    }
}
