package dev.poolguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JBossModulesTest {

    @Test
    void agentPackageIsAddedToWildFlysDefaultList() {
        assertEquals("org.jboss.byteman,dev.poolguard", JBossModules.withAgentPackage("org.jboss.byteman"));
    }

    @Test
    void agentPackageAloneWhenNothingIsListed() {
        assertEquals("dev.poolguard", JBossModules.withAgentPackage(null));
        assertEquals("dev.poolguard", JBossModules.withAgentPackage(" "));
    }

    @Test
    void listCoveringTheAgentIsLeftAsIs() {
        assertEquals("org.jboss.byteman, dev.poolguard", JBossModules.withAgentPackage("org.jboss.byteman, dev.poolguard"));
        assertEquals("dev", JBossModules.withAgentPackage("dev"));
        assertEquals("dev.poolguardian", JBossModules.withAgentPackage("dev.poolguardian").split(",")[0]);
    }
}
