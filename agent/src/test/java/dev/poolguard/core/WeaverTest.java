package dev.poolguard.core;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatchers;
import org.junit.jupiter.api.Test;

/** The weaver rewrites a class only when a rule matches it and one of the rule's advice has a method to apply to. */
class WeaverTest {

    private static final ClassFileLocator CLASSES = ClassFileLocator.ForClassLoader.of(WeaverTest.class.getClassLoader());
    private static final String TARGET = WarmUp.Target.class.getName();

    private static Weaving.MethodAdvice advice(String method) {
        return new Weaving.MethodAdvice(named(method), WarmUp.Sample.class.getName(), CLASSES,
            Advice.ExceptionHandler.Default.SUPPRESSING);
    }

    private static byte[] weave(String method) throws Exception {
        List<Weaving.Rule> rules = new Weaving().type(ElementMatchers.named(TARGET)).transform(advice(method)).rules();
        return Weaver.weave(rules, WeaverTest.class.getClassLoader(), TARGET, null,
            CLASSES.locate(TARGET).resolve());
    }

    @Test
    void aClassWithAnAdvisedMethodIsRewritten() throws Exception {
        byte[] woven = weave("run");
        assertNotNull(woven);
        assertFalse(Arrays.equals(CLASSES.locate(TARGET).resolve(), woven));
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
