package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.vm.VM;

/**
 * What the agent keeps per physical connection and per lease, measured: retained bytes per tracked connection (its
 * state and its map entry; the optional borrow-site stack excluded) and bytes allocated per borrow cycle.
 */
class FootprintTest {

    private static final int CONNECTIONS = 10_000;
    private static final int CYCLES = 10_000_000;
    private static final long BUDGET_BYTES = 256;

    private final PoolAdapter adapter = new PoolAdapter("footprint") {
        @Override
        protected void instrument(Weaving weaving) {
        }
    };
    private final Object pool = new Object();
    private boolean preping;
    private int holdStack;

    @BeforeEach
    void quiet() {
        preping = Settings.preping;
        holdStack = Settings.holdStack;
        Settings.preping = false; // stand-in connections cannot answer a ping
        Settings.holdStack = Settings.STACK_NEVER;
    }

    @AfterEach
    void restore() {
        Settings.preping = preping;
        Settings.holdStack = holdStack;
    }

    @Test
    void aTrackedConnectionWithItsLeaseCostsAtMost256Bytes() throws Exception {
        WeakIdentityMap<Object, Tracked> map = new WeakIdentityMap<>();
        Object[] connections = new Object[CONNECTIONS];
        long now = System.nanoTime();
        Tracked tracked = null;
        for (int i = 0; i < CONNECTIONS; i++) {
            connections[i] = new Object();
            tracked = new Tracked(now, Long.MAX_VALUE, now, false);
            tracked.beginLease(now, Thread.currentThread(), null); // a lease adds no object of its own
            map.putIfAbsent(connections[i], tracked);
        }
        // Shallow sizes of what one entry adds: its state, the weak key, the hash map's node, its table slot.
        ConcurrentHashMap<?, ?> inner = (ConcurrentHashMap<?, ?>) field(map, "map");
        Object key = inner.keySet().iterator().next();
        long node = ClassLayout.parseClass(Class.forName("java.util.concurrent.ConcurrentHashMap$Node")).instanceSize();
        long reference = (VM.current().sizeOf(new Object[16]) - VM.current().sizeOf(new Object[0])) / 16;
        long capacity = Integer.highestOneBit((int) Math.ceil(inner.size() / 0.75)) * 2L; // at most 0.75 full
        long slots = (capacity * reference + CONNECTIONS - 1) / CONNECTIONS;
        long perConnection = VM.current().sizeOf(tracked) + VM.current().sizeOf(key) + node + slots;
        System.out.println("[footprint] bytes per tracked connection with an open lease: " + perConnection
            + " (state " + VM.current().sizeOf(tracked) + ", weak key " + VM.current().sizeOf(key) + ", map node "
            + node + ", table slot " + slots + ")");
        assertTrue(perConnection <= BUDGET_BYTES, perConnection + " bytes");
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }

    @Test
    void tenMillionBorrowCyclesAllocateNothingAndLeaveNothingBehind() throws Throwable {
        Object physical = StandInConnection.open();
        Connections.opened(adapter, physical);
        BorrowContext context = BorrowContext.enter(pool);
        try {
            cycles(context, physical, 100_000); // warm up, so allocation by the JIT itself is not counted
            com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            cycles(context, physical, CYCLES);
            long perCycle = (threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before) / CYCLES;
            System.out.println("[footprint] bytes allocated per borrow cycle, HOLD_STACK=false: " + perCycle);
            assertEquals(0, perCycle);
            Tracked t = Connections.find(physical);
            assertTrue(t != null && !Tracked.leased(t.state()));
        } finally {
            context.exit();
            Connections.closed(physical);
        }
        assertEquals(null, Connections.find(physical), "a closed connection is forgotten");
    }

    /**
     * Connections an app or a pool drops without closing them (a bare connection left open, a pool that lost one)
     * are not kept alive by the agent: once the collector takes them, their entries go too.
     */
    @Test
    void connectionsDroppedWithoutCloseAreCollected() throws Throwable {
        int n = 1000;
        int before = Connections.trackedCount();
        java.util.List<java.lang.ref.WeakReference<Object>> refs = new java.util.ArrayList<>();
        java.util.List<Object> held = new java.util.ArrayList<>(); // the app's and the pool's references, for now
        BorrowContext context = BorrowContext.enter(pool);
        try {
            for (int i = 0; i < n; i++) {
                Object bare = StandInConnection.open();
                Connections.opened(adapter, bare); // opened outside any pool: a bare lease, never closed
                Object pooled = StandInConnection.open();
                Connections.checkOut(adapter, context, pool, pooled); // leased from a pool, never returned
                refs.add(new java.lang.ref.WeakReference<>(bare));
                refs.add(new java.lang.ref.WeakReference<>(pooled));
                held.add(bare);
                held.add(pooled);
            }
        } finally {
            context.exit();
        }
        assertTrue(Connections.trackedCount() >= before + 2 * n, "tracked: " + Connections.trackedCount());
        held.clear(); // dropped, never closed
        for (int i = 0; i < 50 && refs.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, refs.stream().filter(r -> r.get() != null).count(), "the agent kept a dropped connection alive");
        Thread.sleep(100); // the collector enqueues cleared keys shortly after clearing them
        assertTrue(Connections.trackedCount() <= before, "entries of collected connections remain: "
            + Connections.trackedCount() + " (" + before + " before)");
    }

    private void cycles(BorrowContext context, Object physical, int n) throws Throwable {
        for (int i = 0; i < n; i++) {
            if (!Connections.checkOut(adapter, context, pool, physical)
                || Connections.checkIn(physical) != Connections.POOL) {
                throw new AssertionError("a healthy connection was not lent and pooled again at cycle " + i);
            }
        }
    }
}
