package dev.poolguard.core;

import dev.poolguard.adapter.Adapters;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import net.bytebuddy.dynamic.ClassFileLocator;

/**
 * A build step, not part of the running agent: weaves, with the agent's own weaver, every class of the given libraries
 * that the weaver would look at, and writes what it did for {@link PreWoven}: the woven bytes, and every other class
 * file each weaving read. Each class is woven in a class loader of its own, so that what it read includes what the
 * adapters' compatibility checks read, which run once per loader.
 *
 * <p>Only libraries under a permissive licence are pre-woven ({@link PreWeaverLicences}): the build stops at any
 * other, and the jar's NOTICE names each library whose classes it carries modified.
 *
 * <p>Arguments: the output directory (the agent's classes), the local Maven repository the libraries were copied
 * from, the project's NOTICE, then one directory of jars per set of library versions that go together, each jar
 * named {@code groupId.artifactId-version.jar}, or a directory of such directories ({@link #sets}). Each set is woven
 * in a loader of its own, so several releases of one library can be pre-woven, each in its own set.
 */
public final class PreWeaver {

    private PreWeaver() {
    }

    public static void main(String[] args) throws Exception {
        File out = new File(args[0], PreWoven.DIR);
        File repository = new File(args[1]);
        File projectNotice = new File(args[2]);
        List<PoolAdapter> adapters = Adapters.all();
        List<Weaving.Rule> rules = rules(adapters);
        NameFilter filter = new NameFilter(adapters);
        Set<String> poolClasses = NameFilter.poolClassNames(adapters);
        filter.poolClasses(poolClasses);

        Files.createDirectories(out.toPath());
        for (File stale : out.listFiles()) { // an earlier build's, which the jar must not carry
            Files.delete(stale.toPath());
        }
        Map<String, PreWoven.Entry> entries = new LinkedHashMap<>();
        Map<PreWeaverLicences.Library, File> libraries = new LinkedHashMap<>();
        Map<PreWeaverLicences.Library, Integer> wovenPerLibrary = new LinkedHashMap<>();
        // Woven class files by content: a class woven alike in two releases (its bytes the same, what it read not) is
        // stored once, and both entries name it.
        Map<ByteBuffer, Integer> files = new HashMap<>();
        List<File> sets = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            sets.addAll(sets(new File(args[i])));
        }
        for (File set : sets) {
            File[] jars = jars(set);
            URL[] urls = new URL[jars.length];
            for (int j = 0; j < jars.length; j++) {
                urls[j] = jars[j].toURI().toURL();
            }
            int before = entries.size();
            Map<String, File> foundIn = new HashMap<>();
            try (URLClassLoader plain = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
                for (File jar : jars) {
                    PreWeaverLicences.Library library = PreWeaverLicences.check(repository, jar);
                    libraries.put(library, jar);
                    for (Map.Entry<String, byte[]> c : classes(jar)) {
                        String name = c.getKey();
                        byte[] bytes = c.getValue();
                        File other = foundIn.putIfAbsent(name, jar);
                        if (other != null && !other.equals(jar)) {
                            // e.g. a release left behind by an earlier build: the loader would read either
                            throw new IllegalStateException(name + " is in both " + other + " and " + jar);
                        }
                        if (!filter.mayMatch(name) || !filter.isCandidate(name, plain, bytes)) {
                            continue;
                        }
                        Map.Entry<PreWoven.Entry, byte[]> w = weave(adapters, rules, urls, name, bytes, files.size());
                        PreWoven.Entry e = w == null ? null : w.getKey();
                        String key = e == null ? null : name + " " + e.hash + " " + Arrays.toString(e.dependencies)
                            + Arrays.toString(e.dependencyHashes);
                        if (e != null && !entries.containsKey(key)) {
                            if (e.woven >= 0) {
                                Integer same = files.putIfAbsent(ByteBuffer.wrap(w.getValue()), e.woven);
                                if (same == null) {
                                    Files.write(new File(out, e.woven + ".woven").toPath(), w.getValue());
                                } else {
                                    e = new PreWoven.Entry(e.name, e.length, e.hash, same, e.dependencies,
                                        e.dependencyHashes, e.checkedAdapters, e.verdicts);
                                }
                                wovenPerLibrary.merge(library, 1, Integer::sum);
                            }
                            entries.put(key, e);
                        }
                    }
                }
            }
            System.out.println("[prewoven] " + set + ": " + (entries.size() - before) + " classes");
        }
        List<PreWoven.Entry> all = new ArrayList<>(entries.values());
        Files.write(new File(out, "index").toPath(), PreWoven.index(adapters, poolClasses, all));
        PreWeaverLicences.writeNotice(new File(args[0]), projectNotice, libraries, wovenPerLibrary);
        long wovenEntries = all.stream().filter(e -> e.woven >= 0).count();
        System.out.println("[prewoven] " + sets.size() + " sets of releases, " + all.size() + " classes, "
            + wovenEntries + " woven, " + files.size() + " woven class files");
    }

    /**
     * The sets of releases in a directory: the directory itself when it holds jars (the releases that go together,
     * woven in one loader), otherwise each of its subdirectories, in name order, as a set of its own (or a directory
     * of sets).
     */
    static List<File> sets(File dir) throws IOException {
        if (jars(dir).length > 0) {
            return List.of(dir);
        }
        File[] subdirectories = dir.listFiles(File::isDirectory);
        if (subdirectories == null || subdirectories.length == 0) {
            throw new IOException("no jars in " + dir);
        }
        Arrays.sort(subdirectories);
        List<File> sets = new ArrayList<>();
        for (File d : subdirectories) {
            sets.addAll(sets(d));
        }
        return sets;
    }

    /** A set's jars, in name order; none if it is not a directory. */
    static File[] jars(File set) {
        File[] jars = set.listFiles((dir, name) -> name.endsWith(".jar"));
        if (jars == null) {
            return new File[0];
        }
        Arrays.sort(jars);
        return jars;
    }

    /** The adapters' rules, set up as the agent sets them up: every adapter enabled, advice read from the classpath. */
    static List<Weaving.Rule> rules(List<PoolAdapter> adapters) {
        List<String> packages = new ArrayList<>();
        for (PoolAdapter a : adapters) {
            packages.addAll(Arrays.asList(a.ownPackages()));
        }
        Connections.poolPackages = packages.toArray(new String[0]);
        PoolAdapter.adviceLocator = ClassFileLocator.ForClassLoader.of(PreWeaver.class.getClassLoader());
        Weaving weaving = new Weaving();
        for (PoolAdapter a : adapters) {
            a.instrument(weaving);
        }
        return weaving.rules();
    }

    /**
     * Weaves one class as the agent would when it loads: its entry, numbered {@code number} if woven, and the woven
     * bytes; null if the weaver fails on it (it then fails at run time too, and says so).
     */
    private static Map.Entry<PreWoven.Entry, byte[]> weave(List<PoolAdapter> adapters, List<Weaving.Rule> rules,
                                                           URL[] urls, String name, byte[] bytes, int number)
        throws IOException {
        try (Recording loader = new Recording(urls)) {
            byte[] result;
            try {
                result = Weaver.weave(rules, loader, name.replace('/', '.'), null, bytes);
            } catch (RuntimeException e) {
                System.out.println("[prewoven] " + name + " left to the agent: " + e);
                return null;
            }
            List<String> checked = new ArrayList<>();
            List<Boolean> verdicts = new ArrayList<>();
            for (PoolAdapter a : adapters) {
                Boolean v = a.guardsIfChecked(loader);
                if (Boolean.FALSE.equals(v)) {
                    // A release the project tests must fit; a false verdict stored here would also never be logged.
                    throw new IllegalStateException(name + ": the " + a.id() + " adapter's advice does not fit it");
                }
                if (v != null) {
                    checked.add(a.id());
                    verdicts.add(v);
                }
            }
            boolean[] v = new boolean[verdicts.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = verdicts.get(i);
            }
            long[] hashes = new long[loader.read.size()];
            int i = 0;
            for (long h : loader.read.values()) {
                hashes[i++] = h;
            }
            PreWoven.Entry e = new PreWoven.Entry(name, bytes.length, PreWoven.hash(bytes), result == null ? -1 : number,
                loader.read.keySet().toArray(new String[0]), hashes, checked.toArray(new String[0]), v);
            return new AbstractMap.SimpleImmutableEntry<>(e, result);
        }
    }

    /** The class files of a jar, by internal name; a multi-release jar's versioned ones too, as more versions. */
    private static List<Map.Entry<String, byte[]>> classes(File jar) throws IOException {
        List<Map.Entry<String, byte[]>> found = new ArrayList<>();
        try (JarFile j = new JarFile(jar)) {
            for (Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                String path = entry.getName();
                if (!path.endsWith(".class") || path.endsWith("module-info.class")) {
                    continue;
                }
                String name = path.substring(0, path.length() - ".class".length());
                if (name.startsWith("META-INF/versions/")) {
                    name = name.substring(name.indexOf('/', "META-INF/versions/".length()) + 1);
                }
                try (InputStream in = j.getInputStream(entry)) {
                    found.add(new AbstractMap.SimpleImmutableEntry<>(name, in.readAllBytes()));
                }
            }
        }
        return found;
    }

    /** A class loader over the libraries that notes every class file the weaving reads, outside the JDK. */
    private static final class Recording extends URLClassLoader {
        final Map<String, Long> read = new LinkedHashMap<>();

        Recording(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            try (InputStream in = super.getResourceAsStream(name)) {
                byte[] bytes = in == null ? null : in.readAllBytes();
                if (ClassLoader.getPlatformClassLoader().getResource(name) == null) {
                    read.put(name, bytes == null ? PreWoven.ABSENT : PreWoven.hash(bytes));
                }
                return bytes == null ? null : new ByteArrayInputStream(bytes);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
