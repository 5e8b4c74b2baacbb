package dev.poolguard.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Who opened a connection that no enabled pool opened: the application itself, or a pool the agent does not guard
 * (Commons DBCP 1, Spring's {@code SingleConnectionDataSource}, H2's pool, a release of a known pool outside the
 * supported range, a pool left out of {@code POOLGUARD_POOLS}). A pool's connections sit idle between borrows the
 * agent cannot see, so watching one as a bare lease from open to close would report every idle connection as held
 * for ever; such connections are left alone, and the pool is named once ({@code pool.unknown}).
 *
 * <p>The rule reads the frames between the driver and the code that asked for the connection. The agent's, the
 * JDK's and the driver's frames (its own package root, and any class that is a {@code java.sql.Driver}, such as a
 * driver wrapping another) are passed over. The first frame left is the caller; it and the frames after it in the
 * same library (the first three segments of the package, so DBCP 1's {@code commons.dbcp} and {@code commons.pool}
 * count as one) are the caller's library. The connection is a pool's when one of those frames is a pool's: its class
 * lives in a known pool package, or is a {@code javax.sql.DataSource}, {@code ConnectionPoolDataSource} or
 * {@code XADataSource}. An application that calls {@code DriverManager} from its own code keeps its bare lease; one
 * whose own {@code DataSource} opens connections through {@code DriverManager} is taken for a pool. Only connection
 * opening pays for this, never a borrow.
 */
final class UnknownPools {

    /**
     * Packages of pools the agent has no adapter for, beside every adapter's own packages (enabled or not), for the
     * frames of a pool's background threads, where no DataSource is on the stack.
     */
    private static final String[] POOL_PACKAGES = {
        "org.apache.commons.dbcp.", "org.apache.commons.pool.", "org.apache.tomcat.dbcp.", "org.h2.jdbcx.",
        "org.springframework.jdbc.datasource.", "com.jolbox.bonecp.", "org.apache.ibatis.datasource.",
        "org.jboss.jca.", "org.jboss.resource.adapter.jdbc.", "org.apache.geronimo.connector.", "proxool.",
        "org.logicalcobwebs.proxool.", "org.apache.openejb.resource.jdbc.", "org.apache.tomee.jdbc."};
    private static final String[] JDK = {"java.", "javax.", "jdk.", "sun.", "com.sun."};
    private static final String[] AGENT = {"dev.poolguard.core.", "dev.poolguard.adapter."};
    private static final String[] POOL_TYPES = {"javax.sql.DataSource", "javax.sql.ConnectionPoolDataSource",
        "javax.sql.XADataSource"};
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Every adapter's own packages, enabled or not: a pool left out of {@code POOLGUARD_POOLS} is not guarded. */
    static volatile String[] adapterPackages = new String[0];

    private static final ClassValue<Boolean> POOL_TYPE = new ClassValue<Boolean>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            return implementsPoolType(type);
        }
    };

    private UnknownPools() {
    }

    /** One frame: its class's name, and the class itself when known (null: judged by its name only). */
    static final class Frame {
        final String name;
        final Class<?> type;

        Frame(String name, Class<?> type) {
            this.name = name;
            this.type = type;
        }
    }

    /**
     * For a connection the driver just opened on this thread, outside every enabled pool. @return the class name of
     * the pool that opened it, logged once per class as {@code pool.unknown}; null when the application opened it
     */
    static String openerOf(Object connection) {
        List<Frame> frames = WALKER.walk(s -> s.map(f -> new Frame(f.getClassName(), f.getDeclaringClass()))
            .collect(Collectors.toList()));
        String pool = pool(frames, driverRoot(connection.getClass().getName()));
        if (pool != null) {
            Log.infoOnce("pool.unknown/" + pool, "pool.unknown", pool + " action=not guarded: its connections are left alone");
        }
        return pool;
    }

    /**
     * The decision, on the frames from the innermost out. @return the pool's class: the outermost pool type among
     * the caller's library's frames, else its first frame in a pool package; null for the application's own
     */
    static String pool(List<Frame> frames, String driverRoot) {
        int caller = 0;
        while (caller < frames.size() && passedOver(frames.get(caller), driverRoot)) {
            caller++;
        }
        if (caller == frames.size()) {
            return null;
        }
        String library = library(frames.get(caller).name);
        String byType = null;
        String byPackage = null;
        for (int i = caller; i < frames.size(); i++) {
            Frame f = frames.get(i);
            if (startsWithAny(f.name, JDK)) {
                continue; // reflection, lambdas, an executor inside the library
            }
            if (!f.name.startsWith(library)) {
                break;
            }
            if (byPackage == null && (startsWithAny(f.name, POOL_PACKAGES) || startsWithAny(f.name, adapterPackages))) {
                byPackage = f.name;
            }
            if (f.type != null && POOL_TYPE.get(f.type)) {
                byType = f.name;
            }
        }
        return byType != null ? byType : byPackage;
    }

    private static boolean passedOver(Frame f, String driverRoot) {
        return startsWithAny(f.name, AGENT) || startsWithAny(f.name, JDK) || f.name.startsWith(driverRoot)
            || f.type != null && implementsNamed(f.type, "java.sql.Driver");
    }

    /** The driver's package root: the first two segments of its connection class's name ({@code org.postgresql.}). */
    static String driverRoot(String connectionClass) {
        return prefix(connectionClass, 2);
    }

    /** A library: the first three segments of the package ({@code org.apache.commons.}). */
    static String library(String className) {
        return prefix(className, 3);
    }

    /** The first {@code segments} segments of the class's package, with the dot after them; the package if shorter. */
    private static String prefix(String className, int segments) {
        int end = -1;
        for (int i = 0; i < segments; i++) {
            int dot = className.indexOf('.', end + 1);
            if (dot < 0) {
                break;
            }
            end = dot;
        }
        return className.substring(0, end + 1);
    }

    private static boolean implementsPoolType(Class<?> type) {
        for (String name : POOL_TYPES) {
            if (implementsNamed(type, name)) {
                return true;
            }
        }
        return false;
    }

    /** By name: the agent lives in the bootstrap loader, which cannot link {@code java.sql} or {@code javax.sql}. */
    private static boolean implementsNamed(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name)) {
                return true;
            }
            for (Class<?> i : c.getInterfaces()) {
                if (implementsNamed(i, name)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsWithAny(String name, String[] prefixes) {
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
