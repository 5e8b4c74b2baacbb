package dev.poolguard.testapp;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A JDBC driver that misbehaves on purpose, wrapping the real one ({@code --faulty-driver <mode>}): the kind of
 * driver or pool the agent must survive without changing what the app sees. URLs are {@code jdbc:faulty:<mode>:}
 * followed by the real URL without its {@code jdbc:}. Modes: {@code isvalid-throws} (a RuntimeException from
 * {@code isValid}), {@code isvalid-false} ({@code isValid} says false while every query works, as some drivers and
 * test drivers do), {@code isvalid-unsupported} ({@code isValid} throws {@code SQLFeatureNotSupportedException}, as
 * older drivers do), {@code unwrap-null} ({@code unwrap} returns null, {@code isWrapperFor} says yes),
 * {@code unwrap-throws} (a RuntimeException from {@code unwrap}). Connections of the lying modes hide the real one
 * ({@code unwrap} and {@code isWrapperFor} see only the wrapper), so every pool validates the lie.
 */
public final class FaultyDriver implements Driver {
    static final String PREFIX = "jdbc:faulty:";
    static final java.util.List<String> MODES = java.util.List.of("isvalid-throws", "isvalid-false",
            "isvalid-unsupported", "unwrap-null", "unwrap-throws");

    private static volatile String mode;

    static {
        try {
            DriverManager.registerDriver(new FaultyDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Turns the faulty driver on for every pool the app opens from now on. */
    static void use(String faultMode) {
        mode = faultMode;
    }

    static String wrap(String url) {
        return mode == null ? url : PREFIX + mode + ":" + url.substring("jdbc:".length());
    }

    static String driverClass(String real) {
        return mode == null ? real : FaultyDriver.class.getName();
    }

    static boolean active() {
        return mode != null;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        String rest = url.substring(PREFIX.length());
        String fault = rest.substring(0, rest.indexOf(':'));
        Connection real = DriverManager.getConnection("jdbc:" + rest.substring(fault.length() + 1), info);
        return (Connection) Proxy.newProxyInstance(FaultyDriver.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new Faults(real, fault));
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    private static final class Faults implements InvocationHandler {
        private final Connection real;
        private final String fault;

        Faults(Connection real, String fault) {
            this.real = real;
            this.fault = fault;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            switch (method.getName() + "/" + fault) {
                case "isValid/isvalid-throws":
                    throw new IllegalStateException("faulty driver: isValid throws");
                case "isValid/isvalid-false":
                    return false;
                case "isValid/isvalid-unsupported":
                    throw new SQLFeatureNotSupportedException("faulty driver: isValid not supported");
                case "unwrap/isvalid-false":
                case "unwrap/isvalid-unsupported":
                    if (((Class<?>) args[0]).isInstance(proxy)) {
                        return proxy;
                    }
                    throw new SQLException("faulty driver: not a wrapper for " + args[0]);
                case "isWrapperFor/isvalid-false":
                case "isWrapperFor/isvalid-unsupported":
                    return ((Class<?>) args[0]).isInstance(proxy);
                case "unwrap/unwrap-null":
                    return null;
                case "isWrapperFor/unwrap-null":
                    return true;
                case "unwrap/unwrap-throws":
                    throw new IllegalStateException("faulty driver: unwrap throws");
                default:
                    break;
            }
            if (method.getDeclaringClass() == Object.class) {
                switch (method.getName()) {
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    default:
                        return "FaultyConnection(" + fault + ")";
                }
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
