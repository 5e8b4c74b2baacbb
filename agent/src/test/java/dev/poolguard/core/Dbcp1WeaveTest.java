package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.adapter.Adapters;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.dynamic.ClassFileLocator;
import org.junit.jupiter.api.Test;

/**
 * The dbcp1 adapter's advice fits Commons DBCP 1.2.2 with commons-pool 1.5.4 (the oldest supported release, on the
 * test class path): every member it uses is there, and each advised class is woven.
 */
class Dbcp1WeaveTest {

    private static final ClassLoader LOADER = Dbcp1WeaveTest.class.getClassLoader();

    @Test
    void everyAdvisedClassOfDbcp1IsWoven() throws Exception {
        List<PoolAdapter> adapters = new ArrayList<>(Adapters.all());
        List<Weaving.Rule> rules = PreWeaver.rules(adapters);
        ClassFileLocator classes = ClassFileLocator.ForClassLoader.of(LOADER);
        for (String name : new String[] {"org.apache.commons.dbcp.PoolingDataSource",
            "org.apache.commons.dbcp.PoolableConnection", "org.apache.commons.dbcp.PoolableConnectionFactory"}) {
            assertNotNull(Weaver.weave(rules, LOADER, name, null, classes.locate(name).resolve()), name);
        }
        PoolAdapter dbcp1 = adapters.stream().filter(a -> a.id().equals("dbcp1")).findFirst().orElseThrow();
        assertTrue(dbcp1.guards(LOADER));
        assertTrue(dbcp1.owns("org.apache.commons.pool.impl.GenericObjectPool"));
        assertTrue(!dbcp1.owns("org.apache.commons.dbcp2.BasicDataSource"), "DBCP2 is another adapter's");
    }
}
