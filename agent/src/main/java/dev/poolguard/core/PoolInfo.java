package dev.poolguard.core;

/** One pool instance as the log names it. */
final class PoolInfo {

    final PoolAdapter adapter;
    final String name;

    PoolInfo(PoolAdapter adapter, String name) {
        this.adapter = adapter;
        this.name = name;
    }
}
