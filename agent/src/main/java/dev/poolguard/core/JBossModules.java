package dev.poolguard.core;

/**
 * JBoss Modules (WildFly, JBoss EAP) gives a module's class loader only those bootstrap packages listed in the
 * system property {@code jboss.modules.system.pkgs}, which it reads once, as its first module loads. Advice inlined
 * into a module's classes (IronJacamar's pool, a driver deployed as a module or in a deployment) calls the agent's
 * classes on the bootstrap class path, so at JVM start the agent adds its own package to the list, before
 * {@code jboss-modules.jar}'s main runs. Attached to a running server it is too late: JBoss Modules has read the
 * list, and advice in a module that cannot see the agent fails to link, which the weaver reports once.
 */
final class JBossModules {

    static final String SYSTEM_PACKAGES = "jboss.modules.system.pkgs";
    static final String AGENT_PACKAGE = "dev.poolguard";

    private JBossModules() {
    }

    /** Only for a JVM that runs JBoss Modules: one whose list is set (WildFly's scripts always set it) or whose main is it. */
    static void exportAgentPackages() {
        try {
            String packages = System.getProperty(SYSTEM_PACKAGES);
            String command = System.getProperty("sun.java.command", "");
            if (packages == null && !command.contains("jboss-modules")) {
                return;
            }
            String updated = withAgentPackage(packages);
            if (!updated.equals(packages)) {
                System.setProperty(SYSTEM_PACKAGES, updated);
                Log.debug("jboss.modules", SYSTEM_PACKAGES + "=" + updated);
            }
        } catch (RuntimeException e) {
            Log.warnOnce("jboss.modules", "hook.failed", "agent hook=jboss-modules error=" + Log.describe(e)
                + " action=advice in JBoss modules may not link");
        }
    }

    /** {@code packages} with the agent's package added, unless a listed one covers it already. */
    static String withAgentPackage(String packages) {
        if (packages == null || packages.trim().isEmpty()) {
            return AGENT_PACKAGE;
        }
        for (String p : packages.split(",")) {
            String listed = p.trim();
            if (listed.equals(AGENT_PACKAGE) || AGENT_PACKAGE.startsWith(listed + ".")) {
                return packages;
            }
        }
        return packages + "," + AGENT_PACKAGE;
    }
}
