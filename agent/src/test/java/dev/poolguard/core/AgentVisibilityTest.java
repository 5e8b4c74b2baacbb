package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.Test;

class AgentVisibilityTest {

    /** As a JBoss module's loader whose system packages lack the agent's: only the JDK's packages reach the parent. */
    private static final class JdkOnly extends ClassLoader {
        JdkOnly() {
            super("some.module", null);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("java.")) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }
    }

    @Test
    void loaderDelegatingToTheAgentsLoaderSeesIt() {
        assertTrue(AgentVisibility.from(null));
        assertTrue(AgentVisibility.from(getClass().getClassLoader()));
    }

    @Test
    void loaderThatCannotLoadTheAgentsClassesIsLeftAlone() {
        ClassLoader module = new JdkOnly();
        assertFalse(AgentVisibility.from(module));
        assertFalse(AgentVisibility.from(module)); // remembered: logged once
    }

    /** A loader with its own copy of the agent's classes would link advice to the wrong core. */
    @Test
    void loaderWithAnotherCopyOfTheAgentIsLeftAlone() throws Exception {
        URL classes = Hooks.class.getProtectionDomain().getCodeSource().getLocation();
        try (URLClassLoader copy = new URLClassLoader(new URL[] {classes}, null)) {
            assertFalse(AgentVisibility.from(copy));
        }
    }
}
