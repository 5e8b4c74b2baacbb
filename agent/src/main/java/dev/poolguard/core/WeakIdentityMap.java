package dev.poolguard.core;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * A lock-free map keyed by object identity that does not keep its keys alive: the agent must never stop a
 * connection or a pool that the application dropped from being collected.
 */
final class WeakIdentityMap<K, V> {

    private final ConcurrentHashMap<Object, V> map = new ConcurrentHashMap<>();
    private final ReferenceQueue<K> collected = new ReferenceQueue<>();
    /**
     * Reused per thread so a lookup allocates nothing. Not a lambda: a map is created in premain, where setting up the
     * JVM's lambda machinery costs start-up time.
     */
    private final ThreadLocal<Lookup> lookups = new ThreadLocal<Lookup>() {
        @Override
        protected Lookup initialValue() {
            return new Lookup();
        }
    };

    V get(K key) {
        Lookup lookup = lookups.get();
        lookup.key = key;
        lookup.hash = System.identityHashCode(key);
        try {
            return map.get(lookup);
        } finally {
            lookup.key = null;
        }
    }

    /** @return the value already there, or {@code value} if it was added */
    V putIfAbsent(K key, V value) {
        expunge();
        V previous = map.putIfAbsent(new Key<>(key, collected), value);
        return previous == null ? value : previous;
    }

    void remove(K key) {
        Lookup lookup = lookups.get();
        lookup.key = key;
        lookup.hash = System.identityHashCode(key);
        try {
            map.remove(lookup);
        } finally {
            lookup.key = null;
        }
    }

    int size() {
        expunge();
        return map.size();
    }

    /** Visits live entries; entries whose key was collected are dropped on the way. */
    @SuppressWarnings("unchecked")
    void forEach(BiConsumer<K, V> action) {
        for (Iterator<Map.Entry<Object, V>> it = map.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, V> e = it.next();
            K key = ((Key<K>) e.getKey()).get();
            if (key == null) {
                it.remove();
            } else {
                action.accept(key, e.getValue());
            }
        }
    }

    private void expunge() {
        Object ref;
        while ((ref = collected.poll()) != null) {
            map.remove(ref);
        }
    }

    private static final class Key<K> extends WeakReference<K> {
        private final int hash;

        Key(K key, ReferenceQueue<K> queue) {
            super(key, queue);
            this.hash = System.identityHashCode(key);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            if (other == this) {
                return true;
            }
            if (other instanceof Key) {
                Object mine = get();
                return mine != null && mine == ((Key<?>) other).get();
            }
            return other instanceof Lookup && ((Lookup) other).key == get();
        }
    }

    private static final class Lookup {
        Object key;
        int hash;

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key && ((Key<?>) other).get() == key;
        }
    }
}
