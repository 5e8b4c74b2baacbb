package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeakIdentityMapTest {

    @Test
    void keysAreComparedByIdentityNotEquals() {
        WeakIdentityMap<String, Integer> map = new WeakIdentityMap<>();
        String a = new String("same");
        String b = new String("same");
        map.putIfAbsent(a, 1);
        assertEquals(1, map.get(a));
        assertNull(map.get(b));
        assertSame(2, map.putIfAbsent(b, 2));
        assertEquals(1, map.putIfAbsent(a, 3), "the first value stays");
        map.remove(a);
        assertNull(map.get(a));
        assertEquals(2, map.get(b));
    }

    @Test
    void entriesOfCollectedKeysGoAway() throws InterruptedException {
        WeakIdentityMap<Object, Integer> map = new WeakIdentityMap<>();
        Object kept = new Object();
        map.putIfAbsent(kept, 0);
        for (int i = 0; i < 1000; i++) {
            map.putIfAbsent(new Object(), i);
        }
        for (int i = 0; i < 50 && map.size() > 1; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(1, map.size());
        List<Object> seen = new ArrayList<>();
        map.forEach((k, v) -> seen.add(k));
        assertEquals(1, seen.size());
        assertSame(kept, seen.get(0));
    }
}
