package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;
import org.junit.jupiter.api.Test;

/**
 * The weaver rewrites a class only when a rule matches it and one of the rule's advice has a method to apply to, and
 * then only the methods the advice selects (bridges excluded).
 */
class WeaverTest {

    private static final ClassFileLocator CLASSES = ClassFileLocator.ForClassLoader.of(WeaverTest.class.getClassLoader());
    private static final String TARGET = WarmUp.Target.class.getName();

    private static Weaving.MethodAdvice advice(String method) {
        return new Weaving.MethodAdvice(named(method), WarmUp.Sample.class.getName(), CLASSES,
            Advice.ExceptionHandler.Default.SUPPRESSING);
    }

    private static byte[] weave(String method) throws Exception {
        return weave(TARGET, method);
    }

    private static byte[] weave(String target, String method) throws Exception {
        List<Weaving.Rule> rules = new Weaving().type(ElementMatchers.named(target)).transform(advice(method)).rules();
        return Weaver.weave(rules, WeaverTest.class.getClassLoader(), target, null, CLASSES.locate(target).resolve());
    }

    /** Calls to {@code System.nanoTime}, which the sample advice makes, in each method (name and descriptor). */
    private static Map<String, Integer> nanoTimeCalls(byte[] classFile) {
        Map<String, Integer> calls = new HashMap<>();
        OpenedClassReader.of(classFile).accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                String method = name + descriptor;
                calls.put(method, 0);
                return new MethodVisitor(OpenedClassReader.ASM_API) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String called, String desc, boolean itf) {
                        if (owner.equals("java/lang/System") && called.equals("nanoTime")) {
                            calls.merge(method, 1, Integer::sum);
                        }
                    }
                };
            }
        }, 0);
        return calls;
    }

    /** A {@code compareTo(Ordered)} and the compiler's bridge {@code compareTo(Object)} calling it. */
    static final class Ordered implements Comparable<Ordered> {
        private long state;

        @Override
        public int compareTo(Ordered other) {
            return Long.compare(state, other.state);
        }
    }

    @Test
    void aClassWithAnAdvisedMethodIsRewritten() throws Exception {
        byte[] woven = weave("run");
        assertNotNull(woven);
        assertFalse(Arrays.equals(CLASSES.locate(TARGET).resolve(), woven));
    }

    @Test
    void onlyTheSelectedMethodsGetTheAdvice() throws Exception {
        Map<String, Integer> before = nanoTimeCalls(CLASSES.locate(TARGET).resolve());
        Map<String, Integer> after = nanoTimeCalls(weave("run"));
        assertEquals(before.get("run()V") + 1, after.get("run()V"));
        assertEquals(before.get("borrow(J)Ljava/lang/Object;"), after.get("borrow(J)Ljava/lang/Object;"));
    }

    @Test
    void aBridgeMethodIsNotAdvisedAgainAroundTheMethodItCalls() throws Exception {
        String ordered = Ordered.class.getName();
        String real = "compareTo(L" + ordered.replace('.', '/') + ";)I";
        Map<String, Integer> before = nanoTimeCalls(CLASSES.locate(ordered).resolve());
        assertTrue(before.containsKey("compareTo(Ljava/lang/Object;)I"), "the compiler wrote a bridge: " + before);
        Map<String, Integer> after = nanoTimeCalls(weave(ordered, "compareTo"));
        assertEquals(before.get(real) + 1, after.get(real));
        assertEquals(before.get("compareTo(Ljava/lang/Object;)I"), after.get("compareTo(Ljava/lang/Object;)I"));
    }

    /**
     * The class file as another agent that ran first leaves it: an interface added that the class's loader has no
     * class file for (OpenTelemetry's generated {@code VirtualFieldAccessor$...}), named first.
     */
    private static byte[] withGeneratedInterface(String target) throws Exception {
        ClassReader reader = OpenedClassReader.of(CLASSES.locate(target).resolve());
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassVisitor(OpenedClassReader.ASM_API, writer) {
            @Override
            public void visit(int version, int access, String name, String signature, String superName,
                              String[] interfaces) {
                String[] more = new String[interfaces.length + 1];
                more[0] = "org/example/otheragent/VirtualFieldAccessor$java$lang$Runnable$Context";
                System.arraycopy(interfaces, 0, more, 1, interfaces.length);
                super.visit(version, access, name, signature, superName, more);
            }
        }, 0);
        return writer.toByteArray();
    }

    @Test
    void aClassAnotherAgentAddedAnUnresolvableInterfaceToIsStillWoven() throws Exception {
        byte[] changed = withGeneratedInterface(TARGET);
        List<Weaving.Rule> rules = new Weaving().type(hasSuperType(named("java.lang.Runnable")))
            .transform(advice("run")).rules();
        ClassLoader loader = WeaverTest.class.getClassLoader();
        TypePool strict = TypePool.Default.of(new ClassFileLocator.Compound(ClassFileLocator.Simple.of(TARGET, changed),
            CLASSES));
        assertThrows(TypePool.Resolution.NoSuchTypeException.class,
            () -> hasSuperType(named("java.lang.Runnable")).matches(strict.describe(TARGET).resolve()),
            "Byte Buddy's own pool cannot describe the class's supertypes");

        byte[] woven = Weaver.weave(rules, loader, TARGET, null, changed);
        assertNotNull(woven);
        assertEquals(nanoTimeCalls(changed).get("run()V") + 1, nanoTimeCalls(woven).get("run()V"));
        assertArrayEquals(OpenedClassReader.of(changed).getInterfaces(), OpenedClassReader.of(woven).getInterfaces(),
            "the other agent's interface stays");
    }

    @Test
    void anUnresolvableInterfaceImpliesNothing() throws Exception {
        List<Weaving.Rule> rules = new Weaving().type(hasSuperType(named("java.sql.Connection")))
            .transform(advice("run")).rules();
        assertNull(Weaver.weave(rules, WeaverTest.class.getClassLoader(), TARGET, null, withGeneratedInterface(TARGET)));
    }

    @Test
    void aClassWithoutAnyAdvisedMethodIsLeftAsItIs() throws Exception {
        assertNull(weave("connect"));
    }

    @Test
    void everyMatchingRuleAddsItsAdvice() throws Exception {
        List<Weaving.Rule> rules = new Weaving()
            .type(ElementMatchers.named(TARGET))
            .transform(advice("connect"))
            .type(ElementMatchers.nameEndsWith("Target"))
            .transform(advice("run"))
            .rules();
        assertNotNull(Weaver.weave(rules, WeaverTest.class.getClassLoader(), TARGET, null,
            CLASSES.locate(TARGET).resolve()), "the second rule's advice applies although the first has none");
    }

    @Test
    void aClassNoRuleMatchesIsLeftAsItIs() throws Exception {
        List<Weaving.Rule> rules = new Weaving().type(ElementMatchers.named("org.example.Other")).rules();
        assertNull(Weaver.weave(rules, WeaverTest.class.getClassLoader(), TARGET, null,
            CLASSES.locate(TARGET).resolve()));
    }
}
