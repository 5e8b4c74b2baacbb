package dev.poolguard.testapp;

/**
 * Every thread the app starts is a daemon: a request stuck on a black-holed socket is abandoned, and it must not
 * keep the JVM alive (the app also ends with {@code System.exit}).
 */
final class Daemons {
    private Daemons() {
    }

    static Thread start(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
