package dev.poolguard.core;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * What the adapters weave: rules of a type matcher and the advice for the matched type. Every rule whose matcher
 * accepts a class adds its advice, in the order the rules were added.
 */
public final class Weaving {

    /** Whether a class is to be woven. {@code redefined} is null while the class loads, the class when retransformed. */
    public interface TypeMatcher {
        boolean matches(TypeDescription type, ClassLoader loader, Class<?> redefined);
    }

    /** Advice and the methods it applies to, which the weaver checks first: a class without any is left as it is. */
    public static final class MethodAdvice {
        final ElementMatcher<? super MethodDescription> methods;
        final String adviceClass;
        final ClassFileLocator locator;
        final Advice.ExceptionHandler exceptionHandler;

        /**
         * {@code adviceClass}, read through {@code locator} (and the woven class's loader, for the pool's types it
         * names), on the methods {@code methods} selects; a throwable escaping it goes to {@code exceptionHandler}.
         */
        public MethodAdvice(ElementMatcher<? super MethodDescription> methods, String adviceClass, ClassFileLocator locator,
                            Advice.ExceptionHandler exceptionHandler) {
            this.methods = methods;
            this.adviceClass = adviceClass;
            this.locator = locator;
            this.exceptionHandler = exceptionHandler;
        }
    }

    static final class Rule {
        TypeMatcher matcher;
        final List<MethodAdvice> advice = new ArrayList<>();

        Rule(TypeMatcher matcher) {
            this.matcher = matcher;
        }
    }

    private final List<Rule> rules = new ArrayList<>();

    public Weaving type(TypeMatcher matcher) {
        rules.add(new Rule(matcher));
        return this;
    }

    public Weaving type(ElementMatcher<? super TypeDescription> matcher) {
        return type((type, loader, redefined) -> matcher.matches(type));
    }

    /** Narrows the last rule's matcher. */
    public Weaving and(ElementMatcher<? super TypeDescription> matcher) {
        Rule rule = last();
        TypeMatcher first = rule.matcher;
        rule.matcher = (type, loader, redefined) -> first.matches(type, loader, redefined) && matcher.matches(type);
        return this;
    }

    /** Adds advice to the last rule. */
    public Weaving transform(MethodAdvice advice) {
        last().advice.add(advice);
        return this;
    }

    List<Rule> rules() {
        return rules;
    }

    private Rule last() {
        if (rules.isEmpty()) {
            throw new IllegalStateException("type(...) first");
        }
        return rules.get(rules.size() - 1);
    }
}
