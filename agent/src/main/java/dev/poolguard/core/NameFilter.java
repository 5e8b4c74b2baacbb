package dev.poolguard.core;

import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;

/**
 * Every class the JVM loads passes the agent's transformer, and Byte Buddy describes each one by parsing its class
 * file before any matcher runs: about half a millisecond a class, seconds over an application's start-up. This filter
 * looks at the name alone, which the JVM hands over for free, and lets through only the classes an adapter could
 * match: its pool classes by exact name, and driver classes whose names contain what the driver adapter asks for.
 */
final class NameFilter implements AgentBuilder.TransformerDecorator {

    private static final String[] NEVER = {"java/", "javax/", "jdk/", "sun/", "com/sun/", "dev/poolguard/"};

    private final Set<String> exact = new HashSet<>();
    private String[] parts = new String[0];

    /** Takes in the names the adapters' matchers registered; before the transformer is installed. */
    void addAll(List<PoolAdapter> adapters) {
        Set<String> all = new HashSet<>();
        for (PoolAdapter a : adapters) {
            for (String name : a.classNames()) {
                exact.add(name.replace('.', '/'));
            }
            all.addAll(a.nameParts());
        }
        parts = all.toArray(new String[0]);
    }

    boolean mayMatch(String internalName) {
        if (internalName == null) {
            return false; // a hidden class (lambda, proxy): nothing to weave
        }
        if (exact.contains(internalName)) {
            return true;
        }
        for (String prefix : NEVER) {
            if (internalName.startsWith(prefix)) {
                return false;
            }
        }
        for (String part : parts) {
            if (internalName.indexOf(part) >= 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ResettableClassFileTransformer decorate(ResettableClassFileTransformer transformer) {
        return new Filtered(transformer, this);
    }

    private static final class Filtered extends ResettableClassFileTransformer.WithDelegation {
        private final NameFilter filter;

        Filtered(ResettableClassFileTransformer transformer, NameFilter filter) {
            super(transformer);
            this.filter = filter;
        }

        @Override
        public byte[] transform(ClassLoader loader, String name, Class<?> redefined, ProtectionDomain domain,
                                byte[] bytes) throws IllegalClassFormatException {
            return filter.mayMatch(name) ? classFileTransformer.transform(loader, name, redefined, domain, bytes) : null;
        }

        @Override
        public byte[] transform(Module module, ClassLoader loader, String name, Class<?> redefined,
                                ProtectionDomain domain, byte[] bytes) throws IllegalClassFormatException {
            return filter.mayMatch(name)
                ? classFileTransformer.transform(module, loader, name, redefined, domain, bytes) : null;
        }
    }
}
