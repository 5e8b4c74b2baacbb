package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Adapters name what their pool resets with constants that must stay the bits of the properties the agent tracks. */
class StateHygieneTest {

    @Test
    void resetBitsAreThePropertyBits() {
        assertEquals(StateHygiene.Property.AUTOCOMMIT.bit, PoolAdapter.RESETS_AUTOCOMMIT);
        assertEquals(StateHygiene.Property.READ_ONLY.bit, PoolAdapter.RESETS_READ_ONLY);
        assertEquals(StateHygiene.Property.ISOLATION.bit, PoolAdapter.RESETS_ISOLATION);
        assertEquals(StateHygiene.Property.CATALOG.bit, PoolAdapter.RESETS_CATALOG);
        assertEquals(StateHygiene.Property.SCHEMA.bit, PoolAdapter.RESETS_SCHEMA);
        assertEquals(StateHygiene.Property.values().length, 5, "a new property needs its RESETS_ constant");
        assertEquals(0b111111, PoolAdapter.RESETS_ALL);
        assertEquals(StateHygiene.ALL, PoolAdapter.RESETS_ALL);
        assertEquals(StateHygiene.ROLLBACK, PoolAdapter.RESETS_ROLLBACK);
    }

    @Test
    void settersAreRecognisedByName() {
        assertEquals(StateHygiene.Property.ISOLATION, StateHygiene.Property.bySetter("setTransactionIsolation"));
        assertEquals(null, StateHygiene.Property.bySetter("setNetworkTimeout"));
    }
}
