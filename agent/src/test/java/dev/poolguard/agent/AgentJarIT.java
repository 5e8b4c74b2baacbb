package dev.poolguard.agent;

import static java.nio.charset.StandardCharsets.UTF_8;
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
    void carriesTheLicenceTheNoticeAndEveryBundledLibrarysLicence() throws IOException {
        try (JarFile jar = jar()) {
            for (String name : List.of("META-INF/LICENSE", "META-INF/NOTICE", "META-INF/licenses/Byte-Buddy",
                "META-INF/licenses/ASM", "META-INF/licenses/SLF4J")) {
                assertTrue(jar.getEntry(name) != null, name);
            }
            String licence = new String(jar.getInputStream(jar.getEntry("META-INF/LICENSE")).readAllBytes(), UTF_8);
            assertTrue(licence.contains("Apache License") && licence.contains("Version 2.0, January 2004"), licence);
            String notice = new String(jar.getInputStream(jar.getEntry("META-INF/NOTICE")).readAllBytes(), UTF_8);
            for (String library : List.of("Byte Buddy", "ASM", "SLF4J", "com.zaxxer:HikariCP:", "org.postgresql:")) {
                assertTrue(notice.contains(library), library + " in " + notice);
            }
            assertTrue(notice.contains("modified"), notice);
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
