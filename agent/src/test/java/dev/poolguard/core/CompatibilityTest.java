package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
