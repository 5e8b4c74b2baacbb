package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pre-woven class is handed out only when everything its weaving read is the same: the class's own bytes, every
 * class file it read, as the class loader at hand serves it, and the enabled adapters. Otherwise the weaver weaves.
 */
class PreWovenTest {

    private static final byte[] POOL = bytes("the pool class, as released");
    private static final byte[] BASE = bytes("its superclass, as released");
    private static final byte[] WOVEN = bytes("the pool class, woven");
    private static final byte[] OLDER_POOL = bytes("the pool class, an older release");

    private final PoolAdapter pool = adapter("pool");
    private final PoolAdapter driver = adapter("driver");
    private final List<PoolAdapter> all = Arrays.asList(pool, driver);

    @TempDir
    File dir;

    @Test
    void aClassWhoseBytesAndReadClassFilesAreTheSameGetsItsWovenBytes() throws IOException {
        PreWoven preWoven = PreWoven.open(jar(), all, all);
        assertEquals(Collections.singleton("org/example/pool/Pool"), preWoven.poolClasses());
        ClassLoader loader = serving(Map.of("org/example/pool/Base.class", BASE));
        PreWoven.Entry e = preWoven.find(loader, "org/example/pool/Pool", POOL);
        assertNotNull(e);
        assertArrayEquals(WOVEN, preWoven.woven(e));
        assertSame(Boolean.TRUE, pool.guardsIfChecked(loader), "the build's compatibility verdict, for this loader");
        assertNull(driver.guardsIfChecked(loader), "the driver adapter's check did not run for this class");
    }

    @Test
    void anythingDifferentIsLeftToTheWeaver() throws IOException {
        PreWoven preWoven = PreWoven.open(jar(), all, all);
        ClassLoader same = serving(Map.of("org/example/pool/Base.class", BASE));
        assertNull(preWoven.find(same, "org/example/pool/Pool", bytes("another release of the pool class")));
        assertNull(preWoven.find(same, "org/example/pool/Other", POOL), "another class with the same bytes");
        ClassLoader otherBase = serving(Map.of("org/example/pool/Base.class", bytes("another superclass")));
        assertNull(preWoven.find(otherBase, "org/example/pool/Pool", POOL));
        assertNull(pool.guardsIfChecked(otherBase), "no verdict taken from an entry that did not fit");
        assertNull(preWoven.find(serving(Map.of()), "org/example/pool/Pool", POOL), "the superclass missing");
        ClassLoader withHelper = serving(Map.of("org/example/pool/Base.class", BASE,
            "org/example/pool/Helper.class", bytes("a class the build did not find")));
        assertNull(preWoven.find(withHelper, "org/example/pool/Pool", POOL), "a class the build found absent is there");
        assertNull(preWoven.find(null, "org/example/pool/Pool", POOL), "the bootstrap loader holds no pool");
    }

    @Test
    void anAdapterThatAlreadyJudgedTheLoaderOtherwiseIsNotOverruled() throws IOException {
        PreWoven preWoven = PreWoven.open(jar(), all, all);
        ClassLoader loader = serving(Map.of("org/example/pool/Base.class", BASE));
        pool.assumeGuards(loader, false);
        assertNull(preWoven.find(loader, "org/example/pool/Pool", POOL));
    }

    @Test
    void eachReleaseOfAClassHasItsOwnEntry() throws IOException {
        PreWoven preWoven = PreWoven.open(jar(), all, all);
        ClassLoader loader = serving(Map.of("org/example/pool/Base.class", BASE));
        PreWoven.Entry older = preWoven.find(loader, "org/example/pool/Pool", OLDER_POOL);
        assertNotNull(older);
        assertEquals(-1, older.woven, "the build left that release as it is");
        assertEquals(0, preWoven.find(loader, "org/example/pool/Pool", POOL).woven);
    }

    @Test
    void notEveryAdapterEnabledMeansNoPreWovenClasses() throws IOException {
        assertNull(PreWoven.open(jar(), Collections.singletonList(pool), all));
        assertNull(PreWoven.open(jar(), all, Arrays.asList(pool, driver, adapter("third"))), "built with other adapters");
    }

    @Test
    void aJarWithoutPreWovenClassesHasNone() throws IOException {
        File empty = new File(dir, "empty.jar");
        try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(empty))) {
            zip.putNextEntry(new ZipEntry("dev/poolguard/core/Agent.class"));
            zip.write(bytes("something"));
        }
        assertNull(PreWoven.open(empty, all, all));
    }

    private File jar() throws IOException {
        PreWoven.Entry entry = new PreWoven.Entry("org/example/pool/Pool", POOL.length, PreWoven.hash(POOL), 0,
            new String[] {"org/example/pool/Base.class", "org/example/pool/Helper.class"},
            new long[] {PreWoven.hash(BASE), PreWoven.ABSENT}, new String[] {"pool"}, new boolean[] {true});
        PreWoven.Entry older = new PreWoven.Entry("org/example/pool/Pool", OLDER_POOL.length, PreWoven.hash(OLDER_POOL),
            -1, new String[0], new long[0], new String[0], new boolean[0]);
        Set<String> poolClasses = new LinkedHashSet<>(Collections.singleton("org/example/pool/Pool"));
        File jar = new File(dir, "agent.jar");
        try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(jar))) {
            zip.putNextEntry(new ZipEntry(PreWoven.INDEX));
            zip.write(PreWoven.index(all, poolClasses, Arrays.asList(entry, older)));
            zip.putNextEntry(new ZipEntry(PreWoven.DIR + "0.woven"));
            zip.write(WOVEN);
        }
        return jar;
    }

    private static ClassLoader serving(Map<String, byte[]> resources) {
        Map<String, byte[]> copy = new HashMap<>(resources);
        return new ClassLoader(null) {
            @Override
            public InputStream getResourceAsStream(String name) {
                byte[] b = copy.get(name);
                return b == null ? null : new ByteArrayInputStream(b);
            }
        };
    }

    private static PoolAdapter adapter(String id) {
        return new PoolAdapter(id, "org.example." + id + ".") {
            @Override
            protected void instrument(Weaving weaving) {
            }
        };
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
