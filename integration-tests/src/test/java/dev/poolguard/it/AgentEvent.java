package dev.poolguard.it;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code [poolguard] <event> [<pool>] k=v ...} line and the indented lines that followed it (the stacks of a
 * hold.long).
 */
final class AgentEvent {
    static final String PREFIX = "[poolguard] ";

    private static final Pattern FIELD = Pattern.compile("(?<=\\s)([A-Za-z][\\w.-]*)=('[^']*'|\"[^\"]*\"|\\S*)");
    private static final Pattern MILLIS = Pattern.compile("(\\d+)ms");

    final String line;
    /** The event id, e.g. {@code preping.dead}. */
    final String type;
    /** The token after the event id unless it is a k=v field: the pool name, or the adapter of hook.failed. */
    final String pool;
    private final Map<String, String> fields = new LinkedHashMap<>();
    private final List<String> continuation = new ArrayList<>();

    private AgentEvent(String line) {
        this.line = line;
        String[] tokens = line.substring(PREFIX.length()).trim().split("\\s+");
        this.type = tokens[0];
        this.pool = tokens.length > 1 && !tokens[1].contains("=") ? tokens[1] : "";
        Matcher m = FIELD.matcher(line);
        while (m.find()) {
            String value = m.group(2);
            boolean quoted = value.length() >= 2 && (value.startsWith("'") || value.startsWith("\""))
                    && value.charAt(value.length() - 1) == value.charAt(0);
            fields.putIfAbsent(m.group(1), quoted ? value.substring(1, value.length() - 1) : value);
        }
    }

    static boolean starts(String line) {
        return line.startsWith(PREFIX);
    }

    static AgentEvent parse(String line) {
        return new AgentEvent(line);
    }

    void addContinuation(String line) {
        continuation.add(line);
    }

    List<String> continuation() {
        return Collections.unmodifiableList(continuation);
    }

    /** Field {@code key}: a quoted value ('...' or "...") without its quotes, else one token; null if absent. */
    String field(String key) {
        return fields.get(key);
    }

    /** Everything after {@code key=} to the end of the line, for values that may hold spaces. */
    String rest(String key) {
        int at = line.indexOf(" " + key + "=");
        return at < 0 ? null : line.substring(at + key.length() + 2);
    }

    /** A duration field such as held=2503ms, in milliseconds; -1 if absent or not in ms. */
    long millis(String key) {
        String value = field(key);
        Matcher m = value == null ? null : MILLIS.matcher(value);
        return m != null && m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    boolean is(String eventType, Pool kind) {
        return type.equals(eventType) && kind.namedIn(pool);
    }

    /**
     * The {@code at ...} frames listed under an indented header such as "borrowed at:" (up to the next header).
     */
    List<String> frames(String header) {
        List<String> frames = new ArrayList<>();
        boolean inside = false;
        for (String raw : continuation) {
            String text = raw.trim();
            if (text.startsWith("at ")) {
                if (inside) {
                    frames.add(text.substring(3));
                }
            } else if (text.endsWith(":")) {
                inside = text.equalsIgnoreCase(header);
            }
        }
        return frames;
    }

    /** The line and its continuation, as printed. */
    String text() {
        StringBuilder sb = new StringBuilder(line);
        continuation.forEach(c -> sb.append('\n').append(c));
        return sb.toString();
    }

    @Override
    public String toString() {
        return line;
    }
}
