package dev.poolguard.core;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.constant.TextConstant;
import net.bytebuddy.implementation.bytecode.member.MethodInvocation;
import net.bytebuddy.description.NamedElement;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * One pool (or the bare driver) as the agent sees it: which methods it weaves, with which advice, and how the
 * pool names itself. Advice classes are nested in the adapter and referred to by name only, so they are never
 * loaded here; they are inlined into the pool's own classes, where they may use the pool's types and call
 * {@link Hooks}, which every class loader can see.
 */
public abstract class PoolAdapter {

    public enum Hook {
        BORROW, RETURN, VALIDATE, CONNECT, DIAGNOSE, STATE;

        final int bit = 1 << ordinal();

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Where advice class files are read from: the agent jar. Set once before any adapter instruments. */
    static volatile ClassFileLocator adviceLocator = ClassFileLocator.NoOp.INSTANCE;

    private final String id;
    private final String[] ownPackages;
    private final List<String> adviceClasses = new CopyOnWriteArrayList<>();
    /** Names the matchers can match, for {@link NameFilter}: pool classes exactly, other classes by a declared part. */
    private final Set<String> classNames = new LinkedHashSet<>();
    /** Declared name parts, as internal names, each with the JDK type such classes implement. */
    private final Map<String, String> nameParts = new LinkedHashMap<>();
    private final Compatibility compatibility = new Compatibility(this);
    /** For a pool shipped under other names: the adapter the advice was written for, and its packages; else null. */
    private String adviceId;
    private String[] advicePackages;
    private volatile ClassFileLocator relocated;
    private volatile int disabledHooks;
    /** When a validation of a connection of one of this adapter's pools last went unanswered; 0 = never. */
    private volatile long silentAt;

    /**
     * @param id          the name used in {@code POOLGUARD_POOLS} and in log lines
     * @param ownPackages class-name prefixes of the pool's code: a connection opened from there is the pool's,
     *                    not a bare one
     */
    protected PoolAdapter(String id, String... ownPackages) {
        this.id = id;
        this.ownPackages = ownPackages.clone();
    }

    /**
     * Declares, in the constructor, that this pool is another's code under other package names (Tomcat repackages
     * DBCP2), and that this adapter uses the advice written for that one: its class files are read with
     * {@code writtenForPackages} renamed to this adapter's own packages (in the same order), and the adapter id
     * {@code writtenForId} they pass to {@link Hooks} renamed to this one's. The compatibility check then reads the
     * renamed references, against this pool's classes.
     */
    protected final void adviceWrittenFor(String writtenForId, String... writtenForPackages) {
        if (writtenForPackages.length != ownPackages.length) {
            throw new IllegalStateException(id + ": one package of the advice for each of its own");
        }
        adviceId = writtenForId;
        advicePackages = writtenForPackages.clone();
    }

    /** Where this adapter's advice class files are read from: the agent jar's, renamed for a repackaged pool. */
    final ClassFileLocator adviceLocator() {
        ClassFileLocator base = adviceLocator;
        if (adviceId == null) {
            return base;
        }
        ClassFileLocator r = relocated;
        if (r == null || !((RelocatedAdvice) r).reads(base)) {
            r = new RelocatedAdvice(base, getClass().getName() + "$", adviceId, id, advicePackages, ownPackages);
            relocated = r;
        }
        return r;
    }

    public final String id() {
        return id;
    }

    final String[] ownPackages() {
        return ownPackages.clone();
    }

    /** Adds this adapter's type matchers and advice. */
    protected abstract void instrument(Weaving weaving);

    /** The pool's own name when it has one worth logging; null lets the agent number it ({@code <id>-<n>}). */
    protected String poolName(Object pool) {
        return null;
    }

    /** Session state a pool puts back itself at return, for {@link #resetsOnReturn}: the bits of {@link StateHygiene.Property}. */
    protected static final int RESETS_AUTOCOMMIT = 1;
    protected static final int RESETS_READ_ONLY = 1 << 1;
    protected static final int RESETS_ISOLATION = 1 << 2;
    protected static final int RESETS_CATALOG = 1 << 3;
    protected static final int RESETS_SCHEMA = 1 << 4;
    /** The pool rolls back uncommitted work of a borrower that left autocommit off. */
    protected static final int RESETS_ROLLBACK = StateHygiene.ROLLBACK;
    /** Constants, so that loading an adapter does not initialise {@link StateHygiene} (start-up time). */
    protected static final int RESETS_ALL = RESETS_AUTOCOMMIT | RESETS_READ_ONLY | RESETS_ISOLATION | RESETS_CATALOG
        | RESETS_SCHEMA | RESETS_ROLLBACK;

    /**
     * What the pool itself puts back when a connection is returned, so the agent leaves that to the pool and restores
     * only where the pool would not. Default: nothing.
     */
    protected int resetsOnReturn() {
        return 0;
    }

    /** Whether a failed borrow failed because the pool ran out of connections (its own timeout exception). */
    protected boolean exhausted(Throwable thrown) {
        return false;
    }

    /**
     * The pool's configured maximum, for the exhaustion dump; -1 when unknown. Called only when a borrow timed
     * out, so it may use reflection.
     */
    protected int maxSize(Object pool) {
        return -1;
    }

    /**
     * Removes a connection the pool has claimed for a borrow but not yet counted as handed out, the way the pool
     * drops one that failed its own validation, for pools where that way is not public. Runs only for a connection
     * the agent found dead or expired, so it may use reflection. @return false when this pool has no such way: the
     * advice then uses its public fallback
     */
    protected boolean discardClaimed(Object pool, Object connection) throws ReflectiveOperationException {
        return false;
    }

    /** {@code thrown}'s class or a superclass has this name: exception checks without linking the pool's types. */
    protected static boolean isA(Throwable thrown, String className) {
        for (Class<?> c = thrown == null ? null : thrown.getClass(); c != null; c = c.getSuperclass()) {
            if (c.getName().equals(className)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Follows {@code path} from {@code target}: each step a no-argument method or else a field (of the class or a
     * superclass) of that name. For the exhaustion dump only, never on the borrow path. @return null when broken
     */
    protected static Object read(Object target, String... path) {
        Object value = target;
        try {
            for (String step : path) {
                value = step(value, step);
            }
            return value;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    private static Object step(Object target, String name) throws ReflectiveOperationException {
        for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
            for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == 0) {
                    m.setAccessible(true);
                    return m.invoke(target);
                }
            }
            for (java.lang.reflect.Field f : c.getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    f.setAccessible(true);
                    return f.get(target);
                }
            }
        }
        throw new NoSuchMethodException(name);
    }

    protected static int toInt(Object value) {
        return value instanceof Number ? ((Number) value).intValue() : -1;
    }

    /**
     * Advice for one hook. A throwable escaping the inlined advice goes to {@link Hooks#adviceFailed}, which logs
     * {@code hook.failed} once and turns that hook off; the pool then carries on as without the agent.
     */
    protected final Weaving.MethodAdvice advice(Hook hook, ElementMatcher<? super MethodDescription> methods,
                                                String nestedAdviceClass) {
        StackManipulation report = new StackManipulation.Compound(
            new TextConstant(id + "/" + hook.label()), MethodInvocation.invoke(AdviceFailed.METHOD));
        String adviceClass = getClass().getName() + "$" + nestedAdviceClass;
        adviceClasses.add(adviceClass);
        return new Weaving.MethodAdvice(methods, adviceClass, adviceLocator(), new Advice.ExceptionHandler.Simple(report));
    }

    /**
     * Matches the pool class {@code className}, in class loaders whose pool classes have every member the advice
     * uses. The name is checked first: the class loader check reads class files, once per loader, and must only
     * run for loaders that really hold this pool.
     */
    protected final Weaving.TypeMatcher poolClass(String className) {
        if (!owns(className)) {
            throw new IllegalStateException(className + " is outside the packages of " + id);
        }
        classNames.add(className);
        return (type, loader, redefined) ->
            type.getName().equals(className) && compatibility.matches(loader);
    }

    /**
     * A driver's connection classes are woven once a connection of the class is seen, not as they load (see
     * {@link ConnectionClasses}). First in a conjunction, so that the hierarchy check after it is not made at load.
     */
    protected static Weaving.TypeMatcher connectionClassInUse() {
        return (type, loader, redefined) -> ConnectionClasses.due(redefined);
    }

    /**
     * Declares, in the constructor, that this adapter weaves classes outside every enabled pool's packages whose
     * names contain {@code part} and that implement {@code type}. The name filter, which exists before the adapter's
     * rules, lets such names through, then drops those whose supertypes' class files do not lead to {@code type}: far
     * cheaper than the weaver's matching. So the adapter's rules must weave no other classes of that name.
     */
    protected final void weavesImplementationsNamedWith(String type, String part) {
        nameParts.put(part.replace('.', '/'), type.replace('.', '/'));
    }

    /** Types whose name contains {@code part}, one of those declared with {@link #weavesImplementationsNamedWith}. */
    protected final ElementMatcher.Junction<NamedElement> nameContaining(String part) {
        if (!nameParts.containsKey(part.replace('.', '/'))) {
            throw new IllegalStateException(part + " is not declared by weavesImplementationsNamedWith in " + id);
        }
        return ElementMatchers.nameContains(part);
    }

    /** Whether this adapter's advice applies to the pool classes of {@code loader}. */
    final boolean guards(ClassLoader loader) {
        return compatibility.matches(loader);
    }

    /** The verdict of this adapter's compatibility check for {@code loader}; null if it has not run. */
    final Boolean guardsIfChecked(ClassLoader loader) {
        return compatibility.verdict(loader);
    }

    /** Takes the verdict the check made for the same class files when the agent was built ({@link PreWoven}). */
    final void assumeGuards(ClassLoader loader, boolean verdict) {
        compatibility.assume(loader, verdict);
    }

    /** Whether {@code className} is this pool's code. */
    final boolean owns(String className) {
        for (String p : ownPackages) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    Set<String> classNames() {
        return classNames;
    }

    /** Name part to the internal name of the type such classes implement. */
    Map<String, String> nameParts() {
        return nameParts;
    }

    List<String> adviceClasses() {
        return adviceClasses;
    }

    /** Types outside every enabled pool's own packages (pool proxies are not physical connections). */
    protected static ElementMatcher.Junction<TypeDescription> outsidePools() {
        return new ElementMatcher.Junction.AbstractBase<TypeDescription>() {
            @Override
            public boolean matches(TypeDescription type) {
                return !Connections.inPoolPackage(type.getName());
            }
        };
    }

    final void silent(long now) {
        silentAt = now == 0 ? 1 : now;
    }

    /** As {@link PoolInfo#silentWithinTimeout}, for a connection whose pool is not known yet. */
    final boolean silentWithinTimeout(long now) {
        long at = silentAt;
        return at != 0 && now - at < Settings.prepingTimeoutNanos;
    }

    final boolean off(Hook hook) {
        return (disabledHooks & hook.bit) != 0;
    }

    final synchronized void disable(Hook hook) {
        disabledHooks |= hook.bit;
    }

    /** Loaded with the first advice, not at start-up: describing a loaded method sets up much of Byte Buddy. */
    private static final class AdviceFailed {
        static final MethodDescription METHOD;

        static {
            try {
                METHOD = new MethodDescription.ForLoadedMethod(
                    Hooks.class.getMethod("adviceFailed", Throwable.class, String.class));
            } catch (NoSuchMethodException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }
}
