package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The name filter exists before the adapters' rules (it is what lets start-up skip building them): first by the
 * adapters' packages and declared name parts, then, once the rules named their pool classes, by exact name.
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
            weavesClassesNamedWith("Driver");
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
