package dev.poolguard.core;

import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;

/**
 * The type pool the weaver describes a class with: Byte Buddy's lazy pool over the class's loader, except that a
 * type whose class file cannot be found is described as a type with no supertypes instead of failing the whole
 * description. Other agents add interfaces to the classes they instrument, and the interfaces are classes they
 * generate and define without a class file (OpenTelemetry's {@code VirtualFieldAccessor$...}, Datadog's context
 * stores): a class another agent changed first names supertypes its loader cannot read. Such a type cannot lead to
 * a JDBC type or a pool's class, which is all the rules ask of supertypes, so it is no reason to leave the class
 * alone. The class itself and every type the advice names resolve as before.
 */
final class LenientTypePool extends TypePool.Default.WithLazyResolution {

    private LenientTypePool(ClassFileLocator locator) {
        super(CacheProvider.Simple.withObjectType(), locator, ReaderMode.FAST);
    }

    /** As Byte Buddy's agent builder makes its pool ({@code PoolStrategy.Default.FAST}), with the fallback. */
    static TypePool over(ClassFileLocator locator) {
        return new TypePool.LazyFacade(new LenientTypePool(locator));
    }

    @Override
    protected Resolution doResolve(String name) {
        Resolution found = super.doResolve(name);
        return found.isResolved() ? found : new Resolution.Simple(unresolved(name));
    }

    /** A public type extending nothing and implementing nothing: all that can be said of a name without its class. */
    static TypeDescription unresolved(String name) {
        return new TypeDescription.Latent(name, Opcodes.ACC_PUBLIC, null);
    }
}
