package dev.poolguard.core;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The classes the agent's own build wove ({@link PreWeaver}), from the library versions the project is built and
 * tested with. Weaving a class at start-up loads and runs, still interpreted, several hundred classes of Byte Buddy,
 * and the JIT then compiles them: about 0.3 s of an application's start-up (BENCHMARKS.md). A class whose bytes are
 * one of these is handed its woven bytes as they are.
 *
 * <p>An entry is a memo of the weaver, exact for its inputs: the class's bytes; every other class file the weaving
 * read (the class's supertypes, and the pool classes the adapter's compatibility check reads), each checked against
 * the class loader at hand; and the set of enabled adapters, which must be all of them. Class files of the JDK are
 * not among them: of those the weaving needs only the JDBC interfaces, by name. Anything else falls through to the
 * weaver. Classes the JVM retransforms are not looked up: their bytes are the JVM's reconstruction, never the same.
 */
final class PreWoven {

    static final String DIR = "dev/poolguard/prewoven/";
    static final String INDEX = DIR + "index";
    private static final int FORMAT = 2;
    /** The hash recorded for a class file the weaving looked for and did not find. */
    static final long ABSENT = -1;

    /** One woven (or deliberately left) class, and what its weaving read. */
    static final class Entry {
        final String name;
        final int length;
        final long hash;
        /** Number of the woven class file under {@link #DIR}; -1 when the weaver left the class as it is. */
        final int woven;
        final String[] dependencies;
        final long[] dependencyHashes;
        /** The adapters whose compatibility check ran, and its verdict for this class's loader. */
        final String[] checkedAdapters;
        final boolean[] verdicts;

        Entry(String name, int length, long hash, int woven, String[] dependencies, long[] dependencyHashes,
              String[] checkedAdapters, boolean[] verdicts) {
            this.name = name;
            this.length = length;
            this.hash = hash;
            this.woven = woven;
            this.dependencies = dependencies;
            this.dependencyHashes = dependencyHashes;
            this.checkedAdapters = checkedAdapters;
            this.verdicts = verdicts;
        }
    }

    private final ZipFile jar;
    private final Map<String, List<Entry>> entries;
    private final Set<String> poolClasses;
    private final List<PoolAdapter> adapters;
    /**
     * Per class loader, the hash of each dependency as that loader serves it, read once: a loader that later serves
     * other class files under the same names (one that adds URLs) is not read again.
     */
    private final Map<ClassLoader, Map<String, Long>> served = Collections.synchronizedMap(new WeakHashMap<>());

    private PreWoven(ZipFile jar, Map<String, List<Entry>> entries, Set<String> poolClasses,
                     List<PoolAdapter> adapters) {
        this.jar = jar;
        this.entries = entries;
        this.poolClasses = poolClasses;
        this.adapters = adapters;
    }

    /**
     * @return the agent jar's pre-woven classes, or null when it has none or when not every adapter is enabled (the
     * woven bytes hold the advice of all of them)
     */
    static PreWoven open(File agentJar, List<PoolAdapter> enabled, List<PoolAdapter> all) throws IOException {
        if (agentJar == null || enabled.size() != all.size()) {
            return null;
        }
        ZipFile jar = new ZipFile(agentJar);
        ZipEntry index = jar.getEntry(INDEX);
        if (index == null) {
            jar.close();
            return null;
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(jar.getInputStream(index)))) {
            if (in.readInt() != FORMAT || !in.readUTF().equals(ids(all))) {
                jar.close();
                return null;
            }
            String[] table = new String[in.readInt()];
            for (int i = 0; i < table.length; i++) {
                table[i] = in.readUTF();
            }
            Set<String> poolClasses = new HashSet<>();
            for (int i = in.readInt(); i > 0; i--) {
                poolClasses.add(table[in.readInt()]);
            }
            Map<String, List<Entry>> entries = new HashMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                Entry e = read(in, table);
                List<Entry> versions = entries.get(e.name); // not computeIfAbsent: no lambda at start-up (Agent.Rules)
                if (versions == null) {
                    versions = new ArrayList<>(1);
                    entries.put(e.name, versions);
                }
                versions.add(e);
            }
            return new PreWoven(jar, entries, poolClasses, all);
        } catch (IOException | RuntimeException e) {
            jar.close();
            throw e;
        }
    }

    /** The pool classes the adapters' rules name, as {@link NameFilter#poolClasses} takes them. */
    Set<String> poolClasses() {
        return poolClasses;
    }

    /** Every entry. */
    List<Entry> entries() {
        List<Entry> all = new ArrayList<>();
        for (List<Entry> versions : entries.values()) {
            all.addAll(versions);
        }
        return all;
    }

    /**
     * The entry for a class as it loads, when one fits exactly. Its compatibility verdicts become the adapters' for
     * this loader, as the weaver's check would have made them.
     *
     * @return null when the weaver must weave the class itself
     */
    Entry find(ClassLoader loader, String internalName, byte[] bytes) throws IOException {
        List<Entry> versions = entries.get(internalName);
        if (versions == null || loader == null) {
            return null;
        }
        long hash = 0; // computed once, and only if a release of this class has the same length
        for (Entry e : versions) {
            if (e.length == bytes.length && hash == 0) {
                hash = hash(bytes);
            }
            if (e.length == bytes.length && e.hash == hash && verdictsAgree(loader, e)
                && dependenciesMatch(loader, e)) {
                for (int i = 0; i < e.checkedAdapters.length; i++) {
                    adapter(e.checkedAdapters[i]).assumeGuards(loader, e.verdicts[i]);
                }
                return e;
            }
        }
        return null;
    }

    /** An adapter that already judged this loader otherwise (its check failed on a read, say) is not overruled. */
    private boolean verdictsAgree(ClassLoader loader, Entry e) {
        for (int i = 0; i < e.checkedAdapters.length; i++) {
            PoolAdapter a = adapter(e.checkedAdapters[i]);
            Boolean known = a == null ? null : a.guardsIfChecked(loader);
            if (a == null || known != null && known != e.verdicts[i]) {
                return false;
            }
        }
        return true;
    }

    /** The woven class file of an entry whose {@code woven} is not -1. */
    byte[] woven(Entry e) throws IOException {
        ZipEntry z = jar.getEntry(DIR + e.woven + ".woven");
        if (z == null) {
            throw new IOException(DIR + e.woven + ".woven missing from the agent jar");
        }
        try (InputStream in = jar.getInputStream(z)) {
            return in.readAllBytes();
        }
    }

    private boolean dependenciesMatch(ClassLoader loader, Entry e) throws IOException {
        Map<String, Long> hashes = served.get(loader);
        if (hashes == null) {
            hashes = new ConcurrentHashMap<>();
            Map<String, Long> raced = served.putIfAbsent(loader, hashes);
            hashes = raced != null ? raced : hashes;
        }
        for (int i = 0; i < e.dependencies.length; i++) {
            Long h = hashes.get(e.dependencies[i]);
            if (h == null) {
                h = hashOf(loader, e.dependencies[i]);
                hashes.put(e.dependencies[i], h);
            }
            if (h != e.dependencyHashes[i]) {
                return false;
            }
        }
        return true;
    }

    static long hashOf(ClassLoader loader, String resource) throws IOException {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? ABSENT : hash(in.readAllBytes());
        }
    }

    /** CRC-32 and CRC-32C side by side: 64 bits, both computed by the CPU's own instructions. */
    static long hash(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        CRC32C crcC = new CRC32C();
        crcC.update(bytes);
        return crc.getValue() << 32 | crcC.getValue();
    }

    private PoolAdapter adapter(String id) {
        for (PoolAdapter a : adapters) {
            if (a.id().equals(id)) {
                return a;
            }
        }
        return null;
    }

    static String ids(List<PoolAdapter> adapters) {
        StringBuilder s = new StringBuilder();
        for (PoolAdapter a : adapters) {
            s.append(s.length() == 0 ? "" : ",").append(a.id());
        }
        return s.toString();
    }

    // ---- the format, written by PreWeaver: every name once, in a table; entries refer to it by number ----

    static byte[] index(List<PoolAdapter> all, Set<String> poolClasses, List<Entry> entries) throws IOException {
        Map<String, Integer> table = new LinkedHashMap<>();
        for (String c : poolClasses) {
            table.putIfAbsent(c, table.size());
        }
        for (Entry e : entries) {
            table.putIfAbsent(e.name, table.size());
            for (String d : e.dependencies) {
                table.putIfAbsent(d, table.size());
            }
            for (String a : e.checkedAdapters) {
                table.putIfAbsent(a, table.size());
            }
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(FORMAT);
            out.writeUTF(ids(all));
            out.writeInt(table.size());
            for (String name : table.keySet()) {
                out.writeUTF(name);
            }
            out.writeInt(poolClasses.size());
            for (String c : poolClasses) {
                out.writeInt(table.get(c));
            }
            out.writeInt(entries.size());
            for (Entry e : entries) {
                out.writeInt(table.get(e.name));
                out.writeInt(e.length);
                out.writeLong(e.hash);
                out.writeInt(e.woven);
                out.writeInt(e.dependencies.length);
                for (int i = 0; i < e.dependencies.length; i++) {
                    out.writeInt(table.get(e.dependencies[i]));
                    out.writeLong(e.dependencyHashes[i]);
                }
                out.writeInt(e.checkedAdapters.length);
                for (int i = 0; i < e.checkedAdapters.length; i++) {
                    out.writeInt(table.get(e.checkedAdapters[i]));
                    out.writeBoolean(e.verdicts[i]);
                }
            }
        }
        return bytes.toByteArray();
    }

    private static Entry read(DataInputStream in, String[] table) throws IOException {
        String name = table[in.readInt()];
        int length = in.readInt();
        long hash = in.readLong();
        int woven = in.readInt();
        String[] dependencies = new String[in.readInt()];
        long[] dependencyHashes = new long[dependencies.length];
        for (int i = 0; i < dependencies.length; i++) {
            dependencies[i] = table[in.readInt()];
            dependencyHashes[i] = in.readLong();
        }
        String[] checked = new String[in.readInt()];
        boolean[] verdicts = new boolean[checked.length];
        for (int i = 0; i < checked.length; i++) {
            checked[i] = table[in.readInt()];
            verdicts[i] = in.readBoolean();
        }
        return new Entry(name, length, hash, woven, dependencies, dependencyHashes, checked, verdicts);
    }
}
