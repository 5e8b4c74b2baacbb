package dev.poolguard.core;

import java.util.ArrayList;
import java.util.List;

/**
 * An event's text form, {@code <pool> key=value ...} and any indented lines below it, taken apart into fields for
 * the structured outputs (JSON on stderr, the application's logging). A value runs to the next {@code " key="}, so
 * {@code reason=the pool's validation failed after 2ms} stays whole; a value quoted from end to end
 * ({@code value='abc'}, {@code advice="..."}) loses its quotes. Text before the first key is the pool when it is one
 * word, else a {@code message}. The lines below the first (the stacks of hold.long, pool.exhausted) are the
 * {@code stack}, as written. A key named like one of the fixed fields is given as {@code field.<key>}.
 */
final class EventFields {

    /** The fields every structured event may have, besides its own keys. */
    static final String[] FIXED = {"time", "level", "event", "pool", "message", "stack"};

    /** The one-word subject after the event id (a pool, or the adapter of hook.failed); null if none. */
    final String pool;
    /** Free text before the first key, when it is more than one word; null if none. */
    final String message;
    /** Keys and values, in the order written, alternating. */
    final List<String> keyValues;
    /** The indented lines below the first, without the first line break; null if none. */
    final String stack;

    private EventFields(String pool, String message, List<String> keyValues, String stack) {
        this.pool = pool;
        this.message = message;
        this.keyValues = keyValues;
        this.stack = stack;
    }

    static EventFields parse(String rest) {
        int lineEnd = rest.indexOf('\n');
        String head = lineEnd < 0 ? rest : rest.substring(0, lineEnd);
        String stack = lineEnd < 0 ? null : rest.substring(lineEnd + 1);
        int first = nextKey(head, 0);
        String lead = head.substring(0, first < 0 ? head.length() : first).trim();
        String pool = null;
        String message = null;
        if (!lead.isEmpty()) {
            if (lead.indexOf(' ') < 0) {
                pool = lead;
            } else {
                message = lead;
            }
        }
        List<String> kv = new ArrayList<>();
        int at = first;
        while (at >= 0) {
            int eq = head.indexOf('=', at);
            String key = head.substring(at, eq);
            int start = eq + 1;
            String value;
            int next;
            int close = start < head.length() ? closingQuote(head, start) : -1;
            if (close > 0) {
                value = head.substring(start + 1, close);
                next = nextKey(head, close + 1);
            } else {
                next = nextKey(head, start);
                value = (next < 0 ? head.substring(start) : head.substring(start, next)).trim();
            }
            add(kv, key, value);
            at = next;
        }
        return new EventFields(pool, message, kv, stack);
    }

    private static void add(List<String> kv, String key, String value) {
        for (String fixed : FIXED) {
            if (fixed.equals(key)) {
                key = "field." + key;
                break;
            }
        }
        String unique = key;
        for (int n = 2; contains(kv, unique); n++) {
            unique = key + "." + n;
        }
        kv.add(unique);
        kv.add(value);
    }

    private static boolean contains(List<String> kv, String key) {
        for (int i = 0; i < kv.size(); i += 2) {
            if (kv.get(i).equals(key)) {
                return true;
            }
        }
        return false;
    }

    /** If the value at {@code start} is quoted to its end (a quote, then the end or the next key), that quote's index. */
    private static int closingQuote(String head, int start) {
        char q = head.charAt(start);
        if (q != '\'' && q != '"') {
            return -1;
        }
        for (int i = head.indexOf(q, start + 1); i > 0; i = head.indexOf(q, i + 1)) {
            if (i + 1 == head.length() || head.charAt(i + 1) == ' ' && nextKey(head, i + 1) == i + 2) {
                return i;
            }
        }
        return -1;
    }

    /** The index of the next {@code key=} at or after {@code from} that starts the text or follows a space; -1 if none. */
    static int nextKey(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if ((i == 0 || s.charAt(i - 1) == ' ') && isLetter(s.charAt(i))) {
                int j = i + 1;
                while (j < s.length() && isKeyChar(s.charAt(j))) {
                    j++;
                }
                if (j < s.length() && s.charAt(j) == '=') {
                    return i;
                }
            }
        }
        return -1;
    }

    private static boolean isLetter(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z';
    }

    private static boolean isKeyChar(char c) {
        return isLetter(c) || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_';
    }

    /**
     * One JSON object on one line: {@code time}, {@code level}, {@code event}, {@code pool}, {@code message}, every
     * key of the text form, then {@code stack}; absent parts are left out, every value is a string.
     */
    static String json(String time, String level, String event, String rest) {
        EventFields f = parse(rest);
        StringBuilder b = new StringBuilder(rest.length() + 96);
        b.append('{');
        member(b, "time", time);
        member(b, "level", level);
        member(b, "event", event);
        member(b, "pool", f.pool);
        member(b, "message", f.message);
        for (int i = 0; i < f.keyValues.size(); i += 2) {
            member(b, f.keyValues.get(i), f.keyValues.get(i + 1));
        }
        member(b, "stack", f.stack);
        return b.append('}').toString();
    }

    private static void member(StringBuilder b, String name, String value) {
        if (value == null) {
            return;
        }
        if (b.length() > 1) {
            b.append(',');
        }
        quote(b, name);
        b.append(':');
        quote(b, value);
    }

    /** {@code s} as a JSON string: quotes, backslashes, control characters and lone surrogates escaped. */
    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    b.append("\\\"");
                    break;
                case '\\':
                    b.append("\\\\");
                    break;
                case '\n':
                    b.append("\\n");
                    break;
                case '\r':
                    b.append("\\r");
                    break;
                case '\t':
                    b.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c) && !paired(s, i)) {
                        b.append("\\u");
                        String hex = Integer.toHexString(c);
                        for (int pad = hex.length(); pad < 4; pad++) {
                            b.append('0');
                        }
                        b.append(hex);
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }

    /** Whether the surrogate at {@code i} is half of a valid pair. */
    private static boolean paired(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
