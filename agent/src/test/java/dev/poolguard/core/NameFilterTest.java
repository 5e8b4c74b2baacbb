package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Driver;
import java.sql.PreparedStatement;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The name filter exists before the adapters' rules (it is what lets start-up skip building them): first by the
 * adapters' packages and declared name parts, then, once the rules named their pool classes, by exact name, and a
 * class passing by a part only if its supertypes lead to the type declared with that part.
 */
class NameFilterTest {

    private final PoolAdapter pool = new PoolAdapter("pool", "org.example.pool.") {
        @Override
        protected void instrument(Weaving weaving) {
            weaving.type(poolClass("org.example.pool.Pool"));
        }
    };
    private final PoolAdapter driver = new PoolAdapter("driver") {
        {
            weavesImplementationsNamedWith("java.sql.Driver", "Driver");
            weavesImplementationsNamedWith("java.sql.Connection", "Connection");
            weavesImplementationsNamedWith("java.sql.Statement", "Statement");
        }

        @Override
        protected void instrument(Weaving weaving) {
            weaving.type(nameContaining("Driver"));
        }
    };
    private final List<PoolAdapter> adapters = Arrays.asList(pool, driver);

    @Test
    void beforeTheRulesAPoolsPackageAndADeclaredPartPass() {
        NameFilter filter = new NameFilter(adapters);
        assertTrue(filter.mayMatch("org/example/pool/Pool"));
        assertTrue(filter.mayMatch("org/example/pool/Helper"));
        assertTrue(filter.isCandidate("org/example/pool/Helper"), "not known yet which pool classes are woven");
        assertTrue(filter.mayMatch("org/example/db/MyDriver"));
        assertFalse(filter.mayMatch("org/example/app/Main"));
        assertFalse(filter.mayMatch("java/sql/DriverManager"), "the JDK is never woven");
        assertFalse(filter.mayMatch("dev/poolguard/core/SomeDriver"), "nor the agent");
        assertFalse(filter.mayMatch(null), "a hidden class has no name");
    }

    @Test
    void afterTheRulesOnlyTheNamedPoolClassesAndDeclaredPartsAreCandidates() {
        NameFilter filter = new NameFilter(adapters);
        Weaving weaving = new Weaving();
        for (PoolAdapter a : adapters) {
            a.instrument(weaving);
        }
        filter.poolClasses(adapters);
        assertTrue(filter.isCandidate("org/example/pool/Pool"));
        assertFalse(filter.isCandidate("org/example/pool/Helper"));
        assertTrue(filter.isCandidate("org/example/db/MyDriver"));
        assertFalse(filter.isCandidate("org/example/pool/PoolDriver"), "a pool's own classes pass by exact name only");
    }

    @Test
    void aClassPassingByANamePartMustImplementTheTypeDeclaredWithIt() throws IOException {
        NameFilter filter = new NameFilter(adapters);
        filter.poolClasses(adapters);
        ClassLoader loader = NameFilterTest.class.getClassLoader();
        assertTrue(candidate(filter, loader, PlainDriver.class), "implements java.sql.Driver itself");
        assertTrue(candidate(filter, loader, SubDriver.class), "through its superclass's class file");
        assertTrue(candidate(filter, loader, ApiDriver.class), "through an interface of its own that extends Driver");
        assertTrue(candidate(filter, loader, MyStatement.class), "through java.sql.PreparedStatement's class file");
        assertFalse(candidate(filter, loader, DriverSettings.class), "named like a driver, implements nothing of JDBC");
        assertFalse(candidate(filter, loader, ConnectionMaker.class), "a Driver, but named for Connection only");
    }

    @Test
    void aSupertypeThatCannotBeReadLeavesTheDecisionToTheWeaver() throws IOException {
        NameFilter filter = new NameFilter(adapters);
        filter.poolClasses(adapters);
        ClassLoader blind = new ClassLoader(null) {
        };
        assertTrue(candidate(filter, blind, SubDriver.class), "PlainDriver's class file is not in this loader");
        assertFalse(candidate(filter, blind, DriverSettings.class), "Object is a JDK class: nothing to read");
    }

    @Test
    void otherAgentsOwnClassesAreNeverConsidered() {
        NameFilter filter = new NameFilter(adapters);
        assertFalse(filter.mayMatch("io/opentelemetry/javaagent/bootstrap/field/"
            + "VirtualFieldImpl$java$sql$PreparedStatement$java$util$Map"));
        assertFalse(filter.mayMatch("io/opentelemetry/javaagent/instrumentation/jdbc/ConnectionInstrumentation"));
        assertFalse(filter.mayMatch("datadog/trace/instrumentation/jdbc/StatementInstrumentation"));
        assertFalse(filter.mayMatch("co/elastic/apm/agent/jdbc/ConnectionInstrumentation"));
        assertFalse(filter.mayMatch("com/newrelic/agent/instrumentation/pointcuts/database/ConnectionFactory"));
        assertTrue(filter.mayMatch("io/opentelemetry/example/MyDriver"), "only the agents' own packages");
    }

    @Test
    void aBootstrapClassMustShowItImplementsTheDeclaredType() throws IOException {
        NameFilter filter = new NameFilter(adapters);
        filter.poolClasses(adapters);
        assertFalse(candidate(filter, null, SubDriver.class), "its superclass has no class file the bootstrap loader can read");
        assertTrue(candidate(filter, null, PlainDriver.class), "java.sql.Driver itself is named");
        assertTrue(candidate(filter, null, MyStatement.class), "java.sql types are read from the JDK");
    }

    private static boolean candidate(NameFilter filter, ClassLoader loader, Class<?> c) throws IOException {
        String name = c.getName().replace('.', '/');
        try (InputStream in = NameFilterTest.class.getClassLoader().getResourceAsStream(name + ".class")) {
            return filter.isCandidate(name, loader, in.readAllBytes());
        }
    }

    abstract static class PlainDriver implements Driver {
    }

    abstract static class SubDriver extends PlainDriver {
    }

    interface VendorDriverApi extends Driver {
    }

    abstract static class ApiDriver implements VendorDriverApi {
    }

    abstract static class MyStatement implements PreparedStatement {
    }

    static final class DriverSettings {
    }

    abstract static class ConnectionMaker implements Driver {
    }

    @Test
    void aRuleCannotNameWhatTheFilterWouldNotLetThrough() {
        PoolAdapter stray = new PoolAdapter("stray", "org.example.stray.") {
            @Override
            protected void instrument(Weaving weaving) {
                weaving.type(poolClass("org.example.elsewhere.Pool"));
            }
        };
        assertThrows(IllegalStateException.class, () -> stray.instrument(new Weaving()));
        PoolAdapter undeclared = new PoolAdapter("undeclared") {
            @Override
            protected void instrument(Weaving weaving) {
                weaving.type(nameContaining("Statement"));
            }
        };
        assertThrows(IllegalStateException.class, () -> undeclared.instrument(new Weaving()));
    }
}
