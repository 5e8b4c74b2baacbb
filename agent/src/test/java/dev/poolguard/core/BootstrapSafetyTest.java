package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core and the adapters' outer classes are loaded by the bootstrap class loader, which cannot link
 * {@code java.sql} or any pool's types. Only advice classes ({@code Adapter$...}), which are never loaded but
 * inlined into the pools, may mention them.
 */
class BootstrapSafetyTest {

    private static final List<String> FORBIDDEN = List.of("java/sql/", "javax/sql/", "com/zaxxer/", "org/apache/",
        "com/mchange/", "com/alibaba/", "io/agroal/", "org/vibur/", "oracle/ucp/", "oracle/jdbc/", "org/jboss/",
        "javax/resource/", "jakarta/");

    @Test
    void onlyAdviceReferencesJdbcOrPoolTypes() throws IOException {
        Path classes = Paths.get("target/classes/dev/poolguard");
        List<String> offenders;
        try (Stream<Path> files = Files.walk(classes)) {
            offenders = files
                .filter(p -> p.toString().endsWith(".class"))
                .filter(p -> !isAdvice(p))
                .filter(BootstrapSafetyTest::mentionsForbiddenTypes)
                .map(Path::toString)
                .collect(Collectors.toList());
        }
        assertTrue(offenders.isEmpty(), "bootstrap-loaded classes that link java.sql or pool types: " + offenders);
    }

    private static boolean isAdvice(Path p) {
        String name = p.getFileName().toString();
        return p.getParent().endsWith("adapter") && name.contains("$");
    }

    private static boolean mentionsForbiddenTypes(Path p) {
        try {
            String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
            return FORBIDDEN.stream().anyMatch(text::contains);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
