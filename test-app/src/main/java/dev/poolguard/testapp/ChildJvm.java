package dev.poolguard.testapp;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code --child-jvm}: the app runs in a JVM of its own, started by this one with the same arguments, as a launcher,
 * a build tool or a supervisor starts one. The child inherits the environment, and with it {@code JAVA_TOOL_OPTIONS}
 * and every {@code POOLGUARD_*} variable.
 */
final class ChildJvm {
    static final String OPTION = "--child-jvm";

    private ChildJvm() {
    }

    static boolean requested(String[] args) {
        return Arrays.asList(args).contains(OPTION);
    }

    /** Runs the app in a child JVM, its output passed through. @return the child's exit code */
    static int run(String[] args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> command = new ArrayList<>(List.of(java.toString(), "-jar", jar.toString()));
        Arrays.stream(args).filter(arg -> !arg.equals(OPTION)).forEach(command::add);
        return new ProcessBuilder(command).inheritIO().start().waitFor();
    }
}
