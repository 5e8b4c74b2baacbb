package dev.poolguard.testapp;

import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;

/**
 * Runs the app again inside a class loader whose parent is the platform loader, so pools and drivers are loaded
 * where the system class path cannot be seen: what happens in application servers and plugin hosts. An agent that
 * only looks at the system class loader misses them there.
 */
final class Isolation {
    private Isolation() {
    }

    static void relaunch(String[] args) throws Throwable {
        URLClassLoader loader = new URLClassLoader("poolguard-test-app-isolated", classPath(),
                ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
        try {
            loader.loadClass(Main.class.getName()).getMethod("main", String[].class).invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** The thin jar and every jar its manifest {@code Class-Path} names, resolved against the jar's location. */
    private static URL[] classPath() throws Exception {
        URI location = Main.class.getProtectionDomain().getCodeSource().getLocation().toURI();
        if (!location.getScheme().equals("file") || !Files.isRegularFile(Path.of(location))) {
            throw new IllegalStateException("--isolated needs the thin jar (java -jar poolguard-test-app.jar);"
                    + " the app runs from " + location);
        }
        List<URL> urls = new ArrayList<>();
        urls.add(location.toURL());
        try (JarFile jar = new JarFile(Path.of(location).toFile())) {
            String classPath = jar.getManifest().getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
            for (String entry : classPath.trim().split("\\s+")) {
                urls.add(location.resolve(entry).toURL());
            }
        }
        return urls.toArray(URL[]::new);
    }
}
