package dev.poolguard.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build pre-weaves a library only if every licence its pom (or its parent's) names is permissive. */
class PreWeaverLicencesTest {

    @TempDir
    File repository;

    @Test
    void apacheBsdAndMitLibrariesMayBePreWoven() throws IOException {
        pom("com.example", "apache", "1.0", licence("The Apache Software License, Version 2.0",
            "http://www.apache.org/licenses/LICENSE-2.0.txt"), "");
        pom("com.example", "bsd", "1.0", licence("BSD-2-Clause", "https://jdbc.postgresql.org/about/license.html"), "");
        pom("com.example", "mit", "2.0-rc-1", licence("The MIT License", "https://opensource.org/licenses/MIT"), "");

        assertEquals(List.of("Apache-2.0"), check("com.example.apache-1.0.jar").licences);
        assertEquals(List.of("BSD-2-Clause"), check("com.example.bsd-1.0.jar").licences);
        assertEquals(List.of("MIT"), check("com.example.mit-2.0-rc-1.jar").licences);
    }

    @Test
    void anLgplLibraryStopsTheBuildNamingItAndItsLicence() throws IOException {
        pom("com.example", "lgpl", "1.0", licence("GNU Lesser General Public License v2.1 or later",
            "https://spdx.org/licenses/LGPL-2.1-or-later.html"), "");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> check("com.example.lgpl-1.0.jar"));
        assertTrue(e.getMessage().contains("com.example:lgpl:1.0") && e.getMessage().contains("Lesser General Public"),
            e.getMessage());
    }

    @Test
    void everyLicenceOfADualLicensedLibraryMustBePermissive() throws IOException {
        pom("com.example", "dual", "1.0", licence("Apache License, Version 2.0", null)
            + licence("Eclipse Public License 1.0", "https://spdx.org/licenses/EPL-1.0.html"), "");
        assertThrows(IllegalStateException.class, () -> check("com.example.dual-1.0.jar"));
    }

    @Test
    void vendorTermsAndNoLicenceAtAllStopTheBuild() throws IOException {
        pom("com.oracle", "driver", "23.1", licence("Oracle Free Use Terms and Conditions (FUTC)",
            "https://www.oracle.com/downloads/licenses/oracle-free-license.html"), "");
        pom("com.example", "none", "1.0", "", "");
        assertThrows(IllegalStateException.class, () -> check("com.oracle.driver-23.1.jar"));
        assertThrows(IllegalStateException.class, () -> check("com.example.none-1.0.jar"));
        assertThrows(IllegalStateException.class, () -> check("com.example.absent-1.0.jar"));
    }

    @Test
    void aPomWithoutLicencesTakesItsParents() throws IOException {
        pom("org.example", "parent", "7", licence("Apache License, Version 2.0", null), "");
        pom("org.example", "child", "1.0", "",
            "<parent><groupId>org.example</groupId><artifactId>parent</artifactId><version>7</version></parent>");
        pom("org.example", "lgpl-parent", "7", licence("LGPL-2.1-or-later", null), "");
        pom("org.example", "lgpl-child", "1.0", "",
            "<parent><groupId>org.example</groupId><artifactId>lgpl-parent</artifactId><version>7</version></parent>");

        assertEquals(List.of("Apache-2.0"), check("org.example.child-1.0.jar").licences);
        assertThrows(IllegalStateException.class, () -> check("org.example.lgpl-child-1.0.jar"));
    }

    @Test
    void aFileNameSplitsWhereThePomIs() throws IOException {
        pom("com.mysql", "mysql-connector-j", "9.7.0", "", "");
        assertArrayEquals(new String[] {"com.mysql", "mysql-connector-j", "9.7.0"},
            PreWeaverLicences.coordinates(repository, "com.mysql.mysql-connector-j-9.7.0.jar"));
    }

    private PreWeaverLicences.Library check(String jar) throws IOException {
        return PreWeaverLicences.check(repository, new File(jar));
    }

    private static String licence(String name, String url) {
        return "<license><name>" + name + "</name>" + (url == null ? "" : "<url>" + url + "</url>") + "</license>";
    }

    private void pom(String groupId, String artifactId, String version, String licences, String parent)
        throws IOException {
        File dir = new File(repository, groupId.replace('.', '/') + "/" + artifactId + "/" + version);
        Files.createDirectories(dir.toPath());
        String pom = "<?xml version=\"1.0\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">" + parent
            + "<artifactId>" + artifactId + "</artifactId>"
            + (licences.isEmpty() ? "" : "<licenses>" + licences + "</licenses>") + "</project>";
        Files.write(new File(dir, artifactId + "-" + version + ".pom").toPath(), pom.getBytes(UTF_8));
    }
}
