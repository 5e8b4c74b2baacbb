package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.adapter.Adapters;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-woven classes this build made (target/classes/dev/poolguard/prewoven) are exactly what the weaver makes of
 * the released class files, woven again here in a plain class loader as the agent would at run time, in a set of
 * releases whose class files are the ones each entry recorded.
 */
class PreWovenBuildTest {

    private static final File LIBRARIES = new File("target/prewoven-libraries");
    private final String[] poolPackages = Connections.poolPackages;

    @TempDir
    File dir;

    @AfterEach
    void restore() {
        Connections.poolPackages = poolPackages;
    }

    @Test
    void everyEntryIsWhatTheWeaverMakesOfTheReleasedClassFile() throws Exception {
        List<PoolAdapter> adapters = Adapters.all();
        PreWoven preWoven = PreWoven.open(agentJar(), adapters, adapters);
        assertNotNull(preWoven, "no pre-woven classes in target/classes");
        List<Weaving.Rule> rules = PreWeaver.rules(adapters);
        int woven = 0;
        for (PreWoven.Entry e : preWoven.entries()) {
            Release release = find(e);
            assertNotNull(release, () -> e.name + ": no released class file with the recorded bytes and dependencies");
            try (URLClassLoader loader = new URLClassLoader(release.jars, ClassLoader.getPlatformClassLoader())) {
                byte[] now = Weaver.weave(rules, loader, e.name.replace('/', '.'), null, release.bytes);
                if (e.woven < 0) {
                    assertNull(now, e.name);
                } else {
                    assertArrayEquals(preWoven.woven(e), now, e.name);
                    woven++;
                }
            }
        }
        assertTrue(woven > 20, "woven classes: " + woven);
    }

    /**
     * Every release the build copied is covered: in each set of releases, each class file of a name the index holds
     * has an entry that fits it there (none was left to the agent at run time, as a class the weaver failed on is).
     */
    @Test
    void everyCopiedReleaseOfAPreWovenClassHasAnEntryThatFitsIt() throws Exception {
        List<PoolAdapter> adapters = Adapters.all();
        PreWoven preWoven = PreWoven.open(agentJar(), adapters, adapters);
        assertNotNull(preWoven, "no pre-woven classes in target/classes");
        java.util.Set<String> names = new java.util.HashSet<>();
        preWoven.entries().forEach(e -> names.add(e.name));
        List<File> sets = PreWeaver.sets(LIBRARIES);
        assertTrue(sets.size() > 2, "sets of releases: " + sets);
        for (File set : sets) {
            File[] jars = PreWeaver.jars(set);
            URL[] urls = new URL[jars.length];
            for (int i = 0; i < jars.length; i++) {
                urls[i] = jars[i].toURI().toURL();
            }
            for (File j : jars) {
                try (JarFile jar = new JarFile(j)) {
                    for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                        String path = entries.nextElement().getName();
                        String name = path.endsWith(".class") ? path.substring(0, path.length() - 6) : null;
                        if (name == null || !names.contains(name)) {
                            continue;
                        }
                        byte[] bytes;
                        try (InputStream in = jar.getInputStream(jar.getEntry(path))) {
                            bytes = in.readAllBytes();
                        }
                        long hash = PreWoven.hash(bytes);
                        boolean fits = false;
                        for (PreWoven.Entry e : preWoven.entries()) {
                            fits |= e.name.equals(name) && e.length == bytes.length && e.hash == hash
                                && dependenciesMatch(urls, e);
                        }
                        assertTrue(fits, name + " of " + j.getName() + ": no entry fits it");
                    }
                }
            }
        }
    }

    /** Modified copies of their classes are not the agent's to redistribute: see PreWeaverLicences. */
    @Test
    void noClassOfALibraryUnderACopyleftOrVendorLicenceIsPreWoven() throws Exception {
        List<PoolAdapter> adapters = Adapters.all();
        PreWoven preWoven = PreWoven.open(agentJar(), adapters, adapters);
        assertNotNull(preWoven, "no pre-woven classes in target/classes");
        for (PreWoven.Entry e : preWoven.entries()) {
            for (String encumbered : List.of("com/mchange/", "org/mariadb/", "com/mysql/", "oracle/")) {
                assertFalse(e.name.startsWith(encumbered), e.name);
            }
        }
    }

    /** The index and the woven classes, packed as the agent jar packs them. */
    private File agentJar() throws IOException {
        File jar = new File(dir, "agent.jar");
        File[] files = new File("target/classes", PreWoven.DIR).listFiles();
        assertNotNull(files, "no " + PreWoven.DIR + " in target/classes");
        try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(jar))) {
            for (File f : files) {
                zip.putNextEntry(new ZipEntry(PreWoven.DIR + f.getName()));
                zip.write(Files.readAllBytes(f.toPath()));
            }
        }
        return jar;
    }

    private static final class Release {
        final URL[] jars;
        final byte[] bytes;

        Release(URL[] jars, byte[] bytes) {
            this.jars = jars;
            this.bytes = bytes;
        }
    }

    /**
     * The set of releases holding a class file with the entry's name and bytes, whose other class files are the ones
     * the entry recorded (a class can be the same in two sets while what it depends on is not).
     */
    private static Release find(PreWoven.Entry e) throws IOException {
        for (File set : PreWeaver.sets(LIBRARIES)) {
            File[] jars = PreWeaver.jars(set);
            List<URL> urls = new ArrayList<>();
            for (File j : jars) {
                urls.add(j.toURI().toURL());
            }
            byte[] bytes = classFile(jars, e);
            if (bytes != null && dependenciesMatch(urls.toArray(new URL[0]), e)) {
                return new Release(urls.toArray(new URL[0]), bytes);
            }
        }
        return null;
    }

    private static byte[] classFile(File[] jars, PreWoven.Entry e) throws IOException {
        for (File j : jars) {
            try (JarFile jar = new JarFile(j)) {
                for (Enumeration<JarEntry> entries = jar.entries(); entries.hasMoreElements(); ) {
                    JarEntry entry = entries.nextElement();
                    if (entry.getName().endsWith(e.name + ".class")) {
                        try (InputStream in = jar.getInputStream(entry)) {
                            byte[] bytes = in.readAllBytes();
                            if (bytes.length == e.length && PreWoven.hash(bytes) == e.hash) {
                                return bytes;
                            }
                        }
                    }
                }
            }
        }
        return null;
    }

    private static boolean dependenciesMatch(URL[] jars, PreWoven.Entry e) throws IOException {
        try (URLClassLoader loader = new URLClassLoader(jars, ClassLoader.getPlatformClassLoader())) {
            for (int i = 0; i < e.dependencies.length; i++) {
                if (PreWoven.hashOf(loader, e.dependencies[i]) != e.dependencyHashes[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
