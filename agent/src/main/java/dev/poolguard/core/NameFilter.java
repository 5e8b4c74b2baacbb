package dev.poolguard.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Every class the JVM loads passes the agent's transformer, and describing a class for the matchers means parsing
 * its class file: about half a millisecond a class, seconds over an application's start-up. This filter looks at
 * the name alone, which the JVM hands over for free. Known from the start: the enabled adapters' packages and the
 * name parts the driver adapter declares. Once the adapters' rules are built, a class in a pool's package passes
 * only if it is one of the pool classes they weave.
 */
final class NameFilter {

    private static final String[] NEVER = {"java/", "javax/", "jdk/", "sun/", "com/sun/", "dev/poolguard/"};

    private final String[] packages;
    private final String[] parts;
    private volatile Set<String> poolClasses;

    NameFilter(List<PoolAdapter> adapters) {
        List<String> prefixes = new ArrayList<>();
        Set<String> all = new HashSet<>();
        for (PoolAdapter a : adapters) {
            for (String p : a.ownPackages()) {
                prefixes.add(p.replace('.', '/'));
            }
            all.addAll(a.nameParts());
        }
        packages = prefixes.toArray(new String[0]);
        parts = all.toArray(new String[0]);
    }

    /** Takes in the pool classes the adapters' rules named; once they are built. */
    void poolClasses(List<PoolAdapter> adapters) {
        Set<String> exact = new HashSet<>();
        for (PoolAdapter a : adapters) {
            for (String name : a.classNames()) {
                exact.add(name.replace('.', '/'));
            }
        }
        poolClasses = exact;
    }

    /** Whether an adapter may weave the class: a pool's class or a name with a declared part. */
    boolean mayMatch(String internalName) {
        if (internalName == null) {
            return false; // a hidden class (lambda, proxy): nothing to weave
        }
        for (String prefix : NEVER) {
            if (internalName.startsWith(prefix)) {
                return false;
            }
        }
        return inPoolPackage(internalName) || hasPart(internalName);
    }

    /** After {@link #poolClasses}: whether the rules may match the class, which {@link #mayMatch} let through. */
    boolean isCandidate(String internalName) {
        Set<String> exact = poolClasses;
        return exact == null || exact.contains(internalName) || hasPart(internalName);
    }

    private boolean inPoolPackage(String internalName) {
        for (String prefix : packages) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private boolean hasPart(String internalName) {
        for (String part : parts) {
            if (internalName.indexOf(part) >= 0) {
                return true;
            }
        }
        return false;
    }
}
