package dev.poolguard.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Collections;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The jar users attach: everything relocated under dev/poolguard, and a manifest that lets the JVM start it. */
class AgentJarIT {

    private static JarFile jar() throws IOException {
        return new JarFile(System.getProperty("poolguard.agent.jar"));
    }

    @Test
    void everyClassLivesUnderDevPoolguard() throws IOException {
        try (JarFile jar = jar()) {
            List<String> entries = Collections.list(jar.entries()).stream().map(e -> e.getName()).collect(Collectors.toList());
            List<String> strays = entries.stream()
                .filter(n -> !n.endsWith("/"))
                .filter(n -> !n.startsWith("dev/poolguard/") && !n.startsWith("META-INF/"))
                .collect(Collectors.toList());
            assertTrue(strays.isEmpty(), "entries outside dev/poolguard/: " + strays);
            List<String> strayClasses = entries.stream()
                .filter(n -> n.endsWith(".class") && !n.startsWith("dev/poolguard/"))
                .collect(Collectors.toList());
            assertTrue(strayClasses.isEmpty(), "classes outside dev/poolguard/: " + strayClasses);
            assertTrue(entries.contains("dev/poolguard/shaded/bytebuddy/agent/builder/AgentBuilder.class"), "Byte Buddy relocated");
            assertTrue(entries.contains("dev/poolguard/shaded/slf4j/Logger.class"), "SLF4J relocated");
        }
    }

    @Test
    void manifestNamesTheEntryPoints() throws IOException {
        try (JarFile jar = jar()) {
            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals(AgentMain.class.getName(), main.getValue("Premain-Class"));
            assertEquals(AgentMain.class.getName(), main.getValue("Agent-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
        }
    }
}
