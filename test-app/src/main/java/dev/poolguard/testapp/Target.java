package dev.poolguard.testapp;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The database the app talks to: a JDBC URL and what follows from it. User and password are taken from the URL's
 * query parameters (pgjdbc, MariaDB's and MySQL's drivers accept them there) or from its {@code user:password@}
 * part (MySQL Connector/J's form), so the pools can be configured the way an application usually is, with URL, user
 * and password set separately.
 *
 * @param kind {@code postgres}, {@code mariadb} or {@code mysql}, from the URL scheme
 */
record Target(String kind, String url, String user, String password) {

    /**
     * {@code jdbc:<scheme>://[user[:password]@]host[:port]<rest>}; single-host URLs only, which is all the blackhole
     * proxy can front.
     */
    private static final Pattern URL = Pattern.compile(
            "jdbc:(?<scheme>postgresql|mariadb|mysql)://(?<userinfo>[^/@?]*@)?(?<host>[^/:?,@]+)(?::(?<port>\\d+))?(?<rest>.*)");

    static Target parse(String url) {
        Matcher m = matcher(url);
        String kind = m.group("scheme").equals("postgresql") ? "postgres" : m.group("scheme");
        String userinfo = m.group("userinfo");
        if (userinfo != null) {
            String[] parts = userinfo.substring(0, userinfo.length() - 1).split(":", 2);
            return new Target(kind, url, decode(parts[0]), parts.length > 1 ? decode(parts[1]) : null);
        }
        return new Target(kind, url, queryParameter(url, "user"), queryParameter(url, "password"));
    }

    /** The query that names the server session serving this connection. */
    String sessionQuery() {
        return kind.equals("postgres") ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()";
    }

    String driverClass() {
        switch (kind) {
            case "postgres":
                return "org.postgresql.Driver";
            case "mysql":
                return "com.mysql.cj.jdbc.Driver";
            default:
                return "org.mariadb.jdbc.Driver";
        }
    }

    String host() {
        return matcher(url).group("host");
    }

    int port() {
        String port = matcher(url).group("port");
        if (port != null) {
            return Integer.parseInt(port);
        }
        return kind.equals("postgres") ? 5432 : 3306;
    }

    /** The same database reached through another address (the blackhole proxy). */
    Target via(String host, int port) {
        Matcher m = matcher(url);
        String rewritten = "jdbc:" + m.group("scheme") + "://" + Objects.toString(m.group("userinfo"), "") + host + ":"
                + port + m.group("rest");
        return new Target(kind, rewritten, user, password);
    }

    /**
     * The same database with a server-side idle limit on every session, set per connection through the URL as an
     * operator's server setting would be: PostgreSQL's {@code idle_session_timeout}, MariaDB/MySQL's session
     * {@code wait_timeout}.
     */
    Target withServerIdleTimeout(int seconds) {
        String parameter = kind.equals("postgres")
                ? "options=-c%20idle_session_timeout%3D" + seconds * 1000
                : "sessionVariables=wait_timeout=" + seconds;
        return new Target(kind, url + (url.indexOf('?') < 0 ? "?" : "&") + parameter, user, password);
    }

    /** A plain driver connection, as the app opens for administration and as the {@code driver} "pool" does. */
    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    private static Matcher matcher(String url) {
        Matcher m = URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "not a single-host jdbc:postgresql://, jdbc:mariadb:// or jdbc:mysql:// URL: " + url);
        }
        return m;
    }

    private static String decode(String value) {
        return URLDecoder.decode(value, StandardCharsets.UTF_8);
    }

    private static String queryParameter(String url, String name) {
        int query = url.indexOf('?');
        if (query < 0) {
            return null;
        }
        for (String pair : url.substring(query + 1).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return decode(pair.substring(eq + 1));
            }
        }
        return null;
    }
}
