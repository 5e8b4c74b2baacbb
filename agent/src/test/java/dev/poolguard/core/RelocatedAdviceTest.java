package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.poolguard.adapter.Adapters;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.utility.OpenedClassReader;
import org.junit.jupiter.api.Test;

/**
 * Tomcat's built-in pool is DBCP2 under other package names: the DBCP2 advice, read with those names replaced, is
 * woven into Tomcat's classes, names only Tomcat's types, and reports to the tomcat-dbcp adapter.
 */
class RelocatedAdviceTest {

    private static final ClassLoader LOADER = RelocatedAdviceTest.class.getClassLoader();

    private static PoolAdapter adapter(List<PoolAdapter> adapters, String id) {
        return adapters.stream().filter(a -> a.id().equals(id)).findFirst().orElseThrow();
    }

    /** The pool packages and string constants the class's code uses. */
    private static Set<String> references(byte[] classFile) {
        Set<String> found = new TreeSet<>();
        OpenedClassReader.of(classFile).accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(OpenedClassReader.ASM_API) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String called, String desc, boolean itf) {
                        found.add(owner.substring(0, owner.lastIndexOf('/') + 1) + " " + desc);
                    }

                    @Override
                    public void visitTypeInsn(int opcode, String type) {
                        found.add(type);
                    }

                    @Override
                    public void visitLdcInsn(Object value) {
                        found.add("ldc " + value);
                    }
                };
            }
        }, 0);
        return found;
    }

    @Test
    void tomcatsCopyOfDbcp2GetsTheDbcp2AdviceUnderItsOwnNames() throws Exception {
        List<PoolAdapter> adapters = new ArrayList<>(Adapters.all());
        List<Weaving.Rule> rules = PreWeaver.rules(adapters);
        ClassFileLocator classes = ClassFileLocator.ForClassLoader.of(LOADER);
        for (String name : new String[] {"org.apache.tomcat.dbcp.dbcp2.BasicDataSource",
            "org.apache.tomcat.dbcp.dbcp2.PoolableConnection"}) {
            byte[] woven = Weaver.weave(rules, LOADER, name, null, classes.locate(name).resolve());
            assertNotNull(woven, name + " is woven");
            Set<String> refs = references(woven);
            assertTrue(refs.stream().noneMatch(r -> r.contains("org/apache/commons/")), name + ": " + refs);
            assertTrue(refs.contains("ldc tomcat-dbcp"), name + " reports to tomcat-dbcp: " + refs);
            assertTrue(refs.stream().noneMatch(r -> r.equals("ldc dbcp2")), name + ": " + refs);
        }
        assertTrue(adapter(adapters, "tomcat-dbcp").guards(LOADER), "the renamed references resolve in tomcat-dbcp");
    }

    @Test
    void commonsDbcp2KeepsItsAdviceAsWritten() throws Exception {
        List<Weaving.Rule> rules = PreWeaver.rules(new ArrayList<>(Adapters.all()));
        String name = "org.apache.commons.dbcp2.BasicDataSource";
        byte[] woven = Weaver.weave(rules, LOADER, name, null,
            ClassFileLocator.ForClassLoader.of(LOADER).locate(name).resolve());
        Set<String> refs = references(woven);
        assertTrue(refs.contains("ldc dbcp2") && !refs.contains("ldc tomcat-dbcp"), refs.toString());
        assertTrue(refs.stream().noneMatch(r -> r.contains("org/apache/tomcat/")), refs.toString());
    }
}
