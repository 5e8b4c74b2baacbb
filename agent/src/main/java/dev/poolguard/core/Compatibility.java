package dev.poolguard.core;

import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLConnection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.pool.TypePool;

/**
 * Whether an adapter's advice fits the pool a class loader holds: every method, field and type of the pool's
 * packages that the advice uses must be there, as the advice was compiled against it. Checked once per class loader,
 * from class files only (nothing is loaded). On a mismatch the adapter leaves that loader alone and logs
 * {@code adapter.skipped} once; the pool then runs exactly as without the agent.
 */
final class Compatibility {

    /**
     * The agent's weaver, whose rules name the advice whose references are checked: a check made before they are
     * built would pass on an empty list. Null outside the agent (the build, tests), where the caller built them.
     */
    static volatile Weaver weaver;

    private final PoolAdapter adapter;
    private final Map<ClassLoader, Boolean> verdicts = Collections.synchronizedMap(new WeakHashMap<>());
    private volatile Set<String> references;

    Compatibility(PoolAdapter adapter) {
        this.adapter = adapter;
    }

    boolean matches(ClassLoader loader) {
        Boolean verdict = verdicts.get(loader);
        if (verdict == null) {
            verdict = check(loader);
            verdicts.put(loader, verdict);
        }
        return verdict;
    }

    Boolean verdict(ClassLoader loader) {
        return verdicts.get(loader);
    }

    void assume(ClassLoader loader, boolean verdict) {
        verdicts.putIfAbsent(loader, verdict);
    }

    private synchronized boolean check(ClassLoader loader) {
        Boolean known = verdicts.get(loader);
        if (known != null) {
            return known;
        }
        Weaver w = weaver;
        if (w != null && w.rules().isEmpty()) {
            return false; // no rules (logged): the advice and so its references are unknown
        }
        try {
            TypePool pool = TypePool.Default.of(ClassFileLocator.ForClassLoader.of(loader));
            for (String reference : references()) {
                if (!resolves(pool, reference)) {
                    Log.warn("adapter.skipped", adapter.id() + " " + version(loader, reference) + " reason=missing "
                        + readable(reference) + " action=this pool runs as without the agent");
                    return false;
                }
            }
            return true;
        } catch (Throwable t) {
            Log.warn("adapter.skipped", adapter.id() + " unknown reason=" + Log.describe(t)
                + " action=this pool runs as without the agent");
            return false;
        }
    }

    /** {@code owner}, {@code owner#name(descriptor)} or {@code owner.name:descriptor}, owners as internal names. */
    private Set<String> references() throws IOException {
        Set<String> found = references;
        if (found == null) {
            found = new LinkedHashSet<>();
            for (String adviceClass : adapter.adviceClasses()) {
                byte[] bytes = adapter.adviceLocator().locate(adviceClass).resolve();
                new ClassReader(bytes).accept(new Collector(found), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            }
            references = found;
        }
        return found;
    }

    private boolean inPool(String internalName) {
        for (String prefix : adapter.ownPackages()) {
            if (internalName.startsWith(prefix.replace('.', '/'))) {
                return true;
            }
        }
        return false;
    }

    static boolean resolves(TypePool pool, String reference) {
        int method = reference.indexOf('#');
        int field = reference.indexOf('.');
        int end = method >= 0 ? method : field >= 0 ? field : reference.length();
        TypePool.Resolution type = pool.describe(reference.substring(0, end).replace('/', '.'));
        if (!type.isResolved()) {
            return false;
        }
        if (method >= 0) {
            int paren = reference.indexOf('(', method);
            return hasMethod(type.resolve(), reference.substring(method + 1, paren), reference.substring(paren));
        }
        if (field >= 0) {
            int colon = reference.indexOf(':', field);
            return hasField(type.resolve(), reference.substring(field + 1, colon), reference.substring(colon + 1));
        }
        return true;
    }

    /**
     * Declared here or inherited from a superclass or an interface. An interface also has Object's methods (JVMS
     * 5.4.3.4): javac 25 names the interface as the owner of {@code validator.getClass()}, where javac 17 names Object.
     */
    private static boolean hasMethod(TypeDefinition type, String name, String descriptor) {
        for (TypeDefinition t = type; t != null; t = t.getSuperClass()) {
            for (MethodDescription m : t.getDeclaredMethods()) {
                if (m.getInternalName().equals(name) && m.getDescriptor().equals(descriptor)) {
                    return true;
                }
            }
            for (TypeDescription.Generic i : t.getInterfaces()) {
                if (hasMethod(i.asErasure(), name, descriptor)) {
                    return true;
                }
            }
        }
        return type.isInterface() && hasMethod(TypeDescription.ForLoadedType.of(Object.class), name, descriptor);
    }

    private static boolean hasField(TypeDefinition type, String name, String descriptor) {
        for (TypeDefinition t = type; t != null; t = t.getSuperClass()) {
            for (FieldDescription f : t.getDeclaredFields()) {
                if (f.getName().equals(name) && f.getDescriptor().equals(descriptor)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The owner in Java notation, the member as the JVM spells it: {@code a.b.C#m(Ljava/sql/Connection;)V}. */
    private static String readable(String reference) {
        int end = reference.indexOf('#') >= 0 ? reference.indexOf('#') : reference.indexOf('.') >= 0 ? reference.indexOf('.') : reference.length();
        return reference.substring(0, end).replace('/', '.') + reference.substring(end);
    }

    /** The pool library's version, from the manifest of the jar that holds the referenced class. */
    private static String version(ClassLoader loader, String reference) {
        try {
            String owner = reference.split("[#.]", 2)[0];
            URL url = loader == null ? null : loader.getResource(owner + ".class");
            URLConnection connection = url == null ? null : url.openConnection();
            if (connection instanceof JarURLConnection) {
                Manifest manifest = ((JarURLConnection) connection).getManifest();
                Attributes main = manifest == null ? null : manifest.getMainAttributes();
                String v = main == null ? null : main.getValue("Implementation-Version");
                v = v != null ? v : main == null ? null : main.getValue("Bundle-Version");
                if (v != null) {
                    return v;
                }
                String jar = ((JarURLConnection) connection).getJarFileURL().getPath();
                return jar.substring(jar.lastIndexOf('/') + 1);
            }
        } catch (IOException | RuntimeException e) {
            // fall through: the version is only for the log line
        }
        return "unknown";
    }

    /** Every pool member the advice's bytecode touches. */
    private final class Collector extends ClassVisitor {
        private final Set<String> found;

        Collector(Set<String> found) {
            super(Opcodes.ASM9);
            this.found = found;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            return new MethodVisitor(Opcodes.ASM9) {
                @Override
                public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean isInterface) {
                    if (inPool(owner)) {
                        found.add(owner + "#" + method + desc);
                    }
                }

                @Override
                public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                    if (inPool(owner)) {
                        found.add(owner + "." + field + ":" + desc);
                    }
                }

                @Override
                public void visitTypeInsn(int opcode, String type) {
                    if (inPool(type)) {
                        found.add(type);
                    }
                }
            };
        }
    }
}
