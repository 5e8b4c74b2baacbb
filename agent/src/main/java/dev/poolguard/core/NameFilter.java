package dev.poolguard.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import net.bytebuddy.jar.asm.ClassReader;

/**
 * Every class the JVM loads passes the agent's transformer, and describing a class for the matchers means parsing
 * its class file: about half a millisecond a class, seconds over an application's start-up. This filter looks at
 * the name first, which the JVM hands over for free. Known from the start: the enabled adapters' packages and the
 * name parts the adapters declare. Once the pool classes the rules weave are known, a class in a pool's package
 * passes only if it is one of them, and any other class with a name part only if its supertypes lead to the type
 * declared with that part.
 */
final class NameFilter {

    private static final String[] NEVER = {"java/", "javax/", "jdk/", "sun/", "com/sun/", "dev/poolguard/"};
    /**
     * Other agents' own classes: their JDBC instrumentation, the helpers they inject into the application's class
     * loaders, the classes they generate ({@code ...VirtualFieldImpl$java$sql$PreparedStatement$...}). Checked only
     * for the few names that would otherwise pass.
     */
    private static final String[] OTHER_AGENTS = {"io/opentelemetry/javaagent/", "datadog/", "co/elastic/apm/",
        "com/newrelic/", "org/glowroot/agent/", "com/singularity/", "com/dynatrace/", "com/navercorp/pinpoint/",
        "com/instana/"};
    /** A supertype whose class file could not be read or parsed: the class may implement anything. */
    private static final int UNKNOWN = 1 << 31;
    /** Deeper than any real hierarchy: a malformed one is not followed further. */
    private static final int MAX_DEPTH = 64;

    private final String[] packages;
    private final String[] parts;
    /** For each part, the internal name of the type its classes implement. */
    private final String[] partTypes;
    /** The JDK packages of those types: no other JDK package can see them, so none of its types implements them. */
    private final Set<String> partTypePackages = new HashSet<>();
    private volatile Set<String> poolClasses;
    /** Per class loader, which of {@link #partTypes} (a bit each) a type's supertypes lead to; read once per loader. */
    private final Map<ClassLoader, Map<String, Integer>> supertypes = Collections.synchronizedMap(new WeakHashMap<>());

    NameFilter(List<PoolAdapter> adapters) {
        List<String> prefixes = new ArrayList<>();
        List<String> partList = new ArrayList<>();
        List<String> typeList = new ArrayList<>();
        for (PoolAdapter a : adapters) {
            for (String p : a.ownPackages()) {
                prefixes.add(p.replace('.', '/'));
            }
            for (Map.Entry<String, String> part : a.nameParts().entrySet()) {
                partList.add(part.getKey());
                typeList.add(part.getValue());
            }
        }
        if (partList.size() > 31) {
            throw new IllegalStateException("more than 31 name parts");
        }
        packages = prefixes.toArray(new String[0]);
        parts = partList.toArray(new String[0]);
        partTypes = typeList.toArray(new String[0]);
        for (String type : partTypes) {
            partTypePackages.add(type.substring(0, type.lastIndexOf('/') + 1));
        }
    }

    /** Takes in the pool classes the adapters' rules named; once they are built. */
    void poolClasses(List<PoolAdapter> adapters) {
        poolClasses = poolClassNames(adapters);
    }

    /** The pool classes the adapters' rules named, as internal names; once they are built. */
    static Set<String> poolClassNames(List<PoolAdapter> adapters) {
        Set<String> exact = new LinkedHashSet<>();
        for (PoolAdapter a : adapters) {
            for (String name : a.classNames()) {
                exact.add(name.replace('.', '/'));
            }
        }
        return exact;
    }

    /** Takes in the pool classes, as internal names, from the agent's build ({@link PreWoven}). */
    void poolClasses(Set<String> internalNames) {
        poolClasses = internalNames;
    }

    boolean poolClassesKnown() {
        return poolClasses != null;
    }

    /** Whether an adapter may weave the class: a pool's class or a name with a declared part. */
    boolean mayMatch(String internalName) {
        if (internalName == null) {
            return false; // a hidden class (lambda, proxy): nothing to weave
        }
        if (startsWithAny(internalName, NEVER)) {
            return false;
        }
        return (inPoolPackage(internalName) || partsIn(internalName) != 0) && !startsWithAny(internalName, OTHER_AGENTS);
    }

    private static boolean startsWithAny(String internalName, String[] prefixes) {
        for (String prefix : prefixes) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** After {@link #poolClasses}: whether the rules may match the class, which {@link #mayMatch} let through. */
    boolean isCandidate(String internalName) {
        Set<String> exact = poolClasses;
        return exact == null || exact.contains(internalName)
            || !inPoolPackage(internalName) && partsIn(internalName) != 0;
    }

    /**
     * As {@link #isCandidate(String)}, and a class passing by a name part only if it implements the type declared
     * with that part, as far as its loader's class files tell. A class of the bootstrap loader whose supertypes
     * cannot be read passes no longer: a driver put on the boot class path has class files, and what the bootstrap
     * loader holds without them is what agents define there (OpenTelemetry's generated virtual-field classes).
     */
    boolean isCandidate(String internalName, ClassLoader loader, byte[] bytes) {
        Set<String> exact = poolClasses;
        if (exact == null || exact.contains(internalName)) {
            return true;
        }
        int wanted = inPoolPackage(internalName) ? 0 : partsIn(internalName);
        if (wanted == 0) {
            return false;
        }
        Map<String, Integer> known = supertypes.get(loader);
        if (known == null) {
            known = new ConcurrentHashMap<>();
            Map<String, Integer> raced = supertypes.putIfAbsent(loader, known);
            known = raced != null ? raced : known;
        }
        return (leadsTo(loader, known, bytes, 0) & (loader == null ? wanted : wanted | UNKNOWN)) != 0;
    }

    /** The bits of the part types that the supertypes in {@code classFile} lead to. */
    private int leadsTo(ClassLoader loader, Map<String, Integer> known, byte[] classFile, int depth) {
        try {
            ClassReader reader = new ClassReader(classFile);
            int found = reader.getSuperName() == null ? 0 : typeLeadsTo(loader, known, reader.getSuperName(), depth);
            for (String i : reader.getInterfaces()) {
                found |= typeLeadsTo(loader, known, i, depth);
            }
            return found;
        } catch (RuntimeException e) {
            return UNKNOWN; // e.g. a class file newer than the ASM inside the agent: the weaver decides
        }
    }

    private int typeLeadsTo(ClassLoader loader, Map<String, Integer> known, String type, int depth) {
        Integer cached = known.get(type);
        if (cached != null) {
            return cached;
        }
        int found = 0;
        for (int i = 0; i < partTypes.length; i++) {
            if (partTypes[i].equals(type)) {
                found |= 1 << i;
            }
        }
        String pkg = type.substring(0, type.lastIndexOf('/') + 1);
        if (found == 0 && (!type.startsWith("java/") || partTypePackages.contains(pkg))) {
            byte[] classFile = depth >= MAX_DEPTH ? null : read(loader, type + ".class");
            found = classFile == null ? UNKNOWN : leadsTo(loader, known, classFile, depth + 1);
        }
        known.put(type, found);
        return found;
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader != null ? loader.getResourceAsStream(resource)
            : ClassLoader.getPlatformClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private boolean inPoolPackage(String internalName) {
        for (String prefix : packages) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** A bit for each declared part the name contains. */
    private int partsIn(String internalName) {
        int found = 0;
        for (int i = 0; i < parts.length; i++) {
            if (internalName.indexOf(parts[i]) >= 0) {
                found |= 1 << i;
            }
        }
        return found;
    }
}
