package dev.poolguard.core;

import java.io.IOException;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.commons.ClassRemapper;
import net.bytebuddy.jar.asm.commons.Remapper;

/**
 * An adapter's advice class files as written for one copy of a pool, renamed for another copy of the same code under
 * other package names ({@link PoolAdapter#adviceWrittenFor}). Advice is inlined, so the pool types it names become the
 * woven pool's own; the adapter id it passes to {@link Hooks} is a string constant, renamed with them.
 */
final class RelocatedAdvice implements ClassFileLocator {

    private final ClassFileLocator base;
    private final String adviceClassPrefix;
    private final String fromId;
    private final String toId;
    private final String[] from;
    private final String[] to;

    /**
     * @param adviceClassPrefix the binary-name prefix of the advice classes to rename ({@code ...Dbcp2Adapter$}); the
     *                          classes {@code base} serves under any other name are served as they are
     */
    RelocatedAdvice(ClassFileLocator base, String adviceClassPrefix, String fromId, String toId, String[] fromPackages,
                    String[] toPackages) {
        this.base = base;
        this.adviceClassPrefix = adviceClassPrefix;
        this.fromId = fromId;
        this.toId = toId;
        this.from = internal(fromPackages);
        this.to = internal(toPackages);
    }

    boolean reads(ClassFileLocator locator) {
        return base == locator;
    }

    @Override
    public Resolution locate(String name) throws IOException {
        Resolution found = base.locate(name);
        if (!found.isResolved() || !name.startsWith(adviceClassPrefix)) {
            return found;
        }
        return new Resolution.Explicit(rename(found.resolve()));
    }

    byte[] rename(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassRemapper(writer, new Remapper() {
            @Override
            public String map(String internalName) {
                for (int i = 0; i < from.length; i++) {
                    if (internalName.startsWith(from[i])) {
                        return to[i] + internalName.substring(from[i].length());
                    }
                }
                return internalName;
            }

            @Override
            public Object mapValue(Object value) {
                return fromId.equals(value) ? toId : super.mapValue(value);
            }
        }), 0);
        return writer.toByteArray();
    }

    /** The locator is the agent's, shared by every adapter: it stays open. */
    @Override
    public void close() {
    }

    private static String[] internal(String[] packages) {
        String[] names = new String[packages.length];
        for (int i = 0; i < packages.length; i++) {
            names[i] = packages[i].replace('.', '/');
        }
        return names;
    }
}
