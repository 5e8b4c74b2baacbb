package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A report's stack leads with the application's frames, however deep the frameworks above them. */
class FramesTest {

    private static StackTraceElement frame(String className, String method) {
        return new StackTraceElement(className, method, className.substring(className.lastIndexOf('.') + 1) + ".java",
            42);
    }

    /**
     * A holder in a web request of Spring PetClinic: a socket read in the driver, under Hibernate and Spring Data, under
     * the application's controller (which lives under org.springframework too), under Spring MVC and Tomcat.
     */
    private static StackTraceElement[] webRequest() {
        List<StackTraceElement> frames = new ArrayList<>();
        frames.add(frame("sun.nio.ch.NioSocketImpl", "read"));
        for (int i = 0; i < 8; i++) {
            frames.add(frame("org.postgresql.core.VisibleBufferedInputStream", "read" + i));
        }
        for (int i = 0; i < 10; i++) {
            frames.add(frame("org.hibernate.sql.exec.internal.JdbcSelectExecutorStandardImpl", "execute" + i));
        }
        for (int i = 0; i < 4; i++) {
            frames.add(frame("org.springframework.data.jpa.repository.support.SimpleJpaRepository", "find" + i));
        }
        frames.add(frame("org.springframework.samples.petclinic.owner.OwnerController", "findOwner"));
        for (int i = 0; i < 100; i++) {
            frames.add(frame("org.springframework.web.servlet.FrameworkServlet", "service" + i));
        }
        frames.add(frame("org.apache.catalina.core.ApplicationFilterChain", "doFilter"));
        frames.add(frame("java.lang.Thread", "run"));
        return frames.toArray(new StackTraceElement[0]);
    }

    @Test
    void theHoldersCurrentFrameThenItsOwnFramesNeverCutOff() {
        StringBuilder b = new StringBuilder();
        Frames.lead(b, webRequest(), true);
        String[] lines = b.toString().trim().split(System.lineSeparator());
        assertTrue(lines[0].trim().startsWith("at sun.nio.ch.NioSocketImpl.read"), b::toString);
        assertEquals("... 22 library frames", lines[1].trim(), b::toString);
        assertTrue(lines[2].contains("at org.springframework.samples.petclinic.owner.OwnerController.findOwner"),
            b::toString);
        assertEquals(3, lines.length, b::toString);
    }

    @Test
    void aBorrowSiteShowsOnlyApplicationFrames() {
        StringBuilder b = new StringBuilder();
        Frames.lead(b, webRequest(), false);
        String text = b.toString().trim();
        assertTrue(text.startsWith("... 23 library frames"), text);
        assertTrue(text.contains("at org.springframework.samples.petclinic.owner.OwnerController.findOwner"), text);
        assertTrue(!text.contains("NioSocketImpl") && !text.contains("org.hibernate"), text);
    }

    @Test
    void aStackWithoutApplicationFramesShowsItsTop() {
        StackTraceElement[] frames = {frame("java.lang.Thread", "sleep"), frame("java.lang.Thread", "run")};
        StringBuilder b = new StringBuilder();
        Frames.lead(b, frames, true);
        assertTrue(b.toString().contains("at java.lang.Thread.sleep") && b.toString().contains("Thread.run"),
            b::toString);
    }
}
