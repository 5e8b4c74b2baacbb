package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.pool.TypePool;
import org.junit.jupiter.api.Test;

/** The member check behind adapter.skipped, on JDK class files (references as the advice's bytecode spells them). */
class CompatibilityTest {
    private final TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.ofSystemLoader());

    @Test
    void membersDeclaredOrInheritedResolve() {
        assertTrue(Compatibility.resolves(pool, "java/util/ArrayList#size()I"));
        assertTrue(Compatibility.resolves(pool, "java/util/ArrayList#isEmpty()Z"));
        assertTrue(Compatibility.resolves(pool, "java/util/ArrayList#stream()Ljava/util/stream/Stream;")); // Collection
        assertTrue(Compatibility.resolves(pool, "java/util/ArrayList#hashCode()I")); // AbstractList
    }

    /** javac 25 compiles {@code someInterface.getClass()} with the interface as owner; javac 17 with Object. */
    @Test
    void anInterfaceHasObjectsMethods() {
        assertTrue(Compatibility.resolves(pool, "java/lang/Runnable#getClass()Ljava/lang/Class;"));
        assertTrue(Compatibility.resolves(pool, "java/util/List#getClass()Ljava/lang/Class;"));
        assertFalse(Compatibility.resolves(pool, "java/lang/Runnable#getClass()Ljava/lang/Object;"));
    }

    @Test
    void missingMembersAndTypesDoNotResolve() {
        assertFalse(Compatibility.resolves(pool, "java/util/ArrayList#sizeOf()I"));
        assertFalse(Compatibility.resolves(pool, "java/lang/Runnable#start()V"));
        assertFalse(Compatibility.resolves(pool, "java/util/NoSuchList#size()I"));
        assertFalse(Compatibility.resolves(pool, "java/util/ArrayList.elementCount:I"));
        assertTrue(Compatibility.resolves(pool, "java/util/ArrayList.size:I"));
    }

    /**
     * With pre-woven classes the rules may not be built when a connection's opener is checked; the references come
     * from the advice the rules name, so the check builds them first rather than pass on an empty list.
     */
    @Test
    void aCheckBeforeTheRulesAreBuiltBuildsThemFirst() {
        FakeAdapter adapter = new FakeAdapter();
        PoolAdapter.adviceLocator = ClassFileLocator.ForClassLoader.of(CompatibilityTest.class.getClassLoader());
        Compatibility.weaver = new Weaver(new NameFilter(Collections.singletonList(adapter)), () -> {
            Weaving weaving = new Weaving();
            adapter.instrument(weaving);
            return weaving.rules();
        }, null);
        try {
            assertFalse(adapter.guards(new ClassLoader(null) {
            }), "a loader without the pool class the advice calls");
            assertTrue(adapter.guards(CompatibilityTest.class.getClassLoader()));
        } finally {
            Compatibility.weaver = null;
        }
    }

    static final class FakePool {
        void borrow() {
        }
    }

    static final class FakeAdapter extends PoolAdapter {
        FakeAdapter() {
            super("fake", "dev.poolguard.core.CompatibilityTest$Fake");
        }

        @Override
        protected void instrument(Weaving weaving) {
            weaving.type(poolClass("dev.poolguard.core.CompatibilityTest$FakePool"))
                .transform(advice(Hook.BORROW, named("borrow"), "Borrow"));
        }

        static final class Borrow {
            static void enter(FakePool pool) {
                pool.borrow();
            }
        }
    }
}
