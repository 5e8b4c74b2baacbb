package dev.poolguard.agent;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.io.File;
import java.net.URI;

/**
 * {@code java -jar poolguard-agent.jar <pid> [flags]}: loads the agent into a running JVM through the Attach API.
 * Pools already running are woven in place (method bodies only) and guarded from their next borrow; {@code flags}
 * are agent arguments, e.g. {@code hold.warn=10s,max.lifetime=5m}. Without a pid, lists the JVMs it can see;
 * {@code --version} prints the version and the licence.
 */
public final class Attach {

    private Attach() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--version")) {
            Package p = Attach.class.getPackage();
            String v = p == null ? null : p.getImplementationVersion();
            System.out.println("PoolGuard " + (v == null ? "dev" : v));
            System.out.println("Licensed under the Apache License, Version 2.0; the jar's META-INF/ holds LICENSE,"
                + " NOTICE and the bundled libraries' licences.");
            return;
        }
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            System.err.println("usage: java -jar poolguard-agent.jar <pid> [flag=value,...] | --version");
            System.err.println("JVMs running as this user:");
            for (VirtualMachineDescriptor vm : VirtualMachine.list()) {
                System.err.println("  " + vm.id() + "  " + vm.displayName());
            }
            System.exit(args.length == 0 ? 2 : 0);
        }
        String pid = args[0];
        String flags = args.length > 1 ? args[1] : "";
        File jar = new File(new URI(Attach.class.getProtectionDomain().getCodeSource().getLocation().toString()));
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(pid);
        } catch (Exception e) {
            System.err.println("[poolguard] attach failed pid=" + pid + " error=" + e
                + " hint=the JVM must run as this user, on JDK 11+, without -XX:+DisableAttachMechanism");
            System.exit(1);
            return;
        }
        try {
            vm.loadAgent(jar.getAbsolutePath(), flags);
        } finally {
            vm.detach();
        }
        System.err.println("[poolguard] attached pid=" + pid + " agent=" + jar.getName()
            + " (the application's own log shows agent.started)");
    }
}
