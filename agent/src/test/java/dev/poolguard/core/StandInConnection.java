package dev.poolguard.core;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stand-in physical connection for tests of pure logic: it answers {@code isClosed}, {@code isValid} (false unless
 * told otherwise) and identity, nothing else (false or null). An open one matters where a test counts on the connection staying tracked: the watchdog forgets
 * one it finds closed between two leases, and it counts anything it cannot ask, a plain {@code Object}, as closed.
 */
final class StandInConnection {

    private StandInConnection() {
    }

    static Connection open() {
        return closedWhen(new AtomicBoolean());
    }

    static Connection closedWhen(AtomicBoolean closed) {
        return validating(closed, () -> false);
    }

    /** What its {@code isValid} answers, or throws. */
    interface Validity {
        boolean isValid() throws Exception;
    }

    /** An open stand-in whose {@code isValid} answers as {@code validity} says. */
    static Connection validating(Validity validity) {
        return validating(new AtomicBoolean(), validity);
    }

    private static Connection validating(AtomicBoolean closed, Validity validity) {
        return (Connection) Proxy.newProxyInstance(StandInConnection.class.getClassLoader(),
            new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "isValid":
                        return validity.isValid();
                    case "isClosed":
                        return closed.get();
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "stand-in connection";
                    default:
                        return method.getReturnType() == boolean.class ? Boolean.FALSE : null;
                }
            });
    }
}
