package dev.poolguard.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * A build step beside {@link PreWeaver}: a pre-woven class is a modified copy of a library's class, so the agent jar
 * carries pre-woven classes only of libraries whose licence lets anyone redistribute a modified copy on the sole
 * condition of keeping its notices: Apache-2.0, BSD and MIT. Copyleft licences, weak or strong (GPL, LGPL, EPL, MPL),
 * and vendor terms (Oracle's allow redistribution only unmodified) are not on the list: such a library is woven at run
 * time, in the application's own copy, as any release the build did not weave.
 *
 * <p>The licences are the {@code <licenses>} of the library's pom in the local Maven repository, or of the nearest
 * {@code <parent>} that has some. A pom may list several licences without saying whether they apply together or
 * offer a choice, so every one of them must be on the list; a pom that names none fails the check too.
 */
final class PreWeaverLicences {

    /** The permissive licences by SPDX id, each with the names and addresses poms give it (normalised). */
    private static final Map<String, List<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("Apache-2.0", List.of("apache license version 2 0", "apache software license version 2 0",
            "apache license 2 0", "apache 2", "apache 2 0", "apache license v2 0", "apache 2 0 license",
            "apache software license 2 0", "apache.org/licenses/license-2.0"));
        ALLOWED.put("BSD-2-Clause", List.of("bsd 2 clause", "bsd 2 clause license", "simplified bsd license",
            "opensource.org/licenses/bsd-2-clause"));
        ALLOWED.put("BSD-3-Clause", List.of("bsd 3 clause", "bsd 3 clause license", "new bsd license",
            "revised bsd license", "opensource.org/licenses/bsd-3-clause"));
        ALLOWED.put("MIT", List.of("mit", "mit license", "opensource.org/licenses/mit"));
    }

    /** A library the agent's build pre-weaves, with its licences as SPDX ids. */
    static final class Library {
        final String groupId;
        final String artifactId;
        final String version;
        final List<String> licences;

        Library(String groupId, String artifactId, String version, List<String> licences) {
            this.groupId = groupId;
            this.artifactId = artifactId;
            this.version = version;
            this.licences = licences;
        }

        @Override
        public String toString() {
            return groupId + ":" + artifactId + ":" + version;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Library && o.toString().equals(toString());
        }

        @Override
        public int hashCode() {
            return toString().hashCode();
        }
    }

    private PreWeaverLicences() {
    }

    /**
     * The library a jar copied from {@code repository} as {@code groupId.artifactId-version.jar} is, once its licences
     * are known to be on the list; otherwise the build stops here, naming the library and its licences.
     */
    static Library check(File repository, File jar) throws IOException {
        String[] gav = coordinates(repository, jar.getName());
        List<String[]> licences = licences(repository, gav[0], gav[1], gav[2]);
        String artifact = gav[0] + ":" + gav[1] + ":" + gav[2];
        if (licences.isEmpty()) {
            throw new IllegalStateException(artifact + ": its pom and its parents' name no licence; its classes must"
                + " not be pre-woven into the agent jar (agent/pom.xml, prewoven-* executions)");
        }
        List<String> spdx = new ArrayList<>();
        for (String[] l : licences) {
            String id = permissive(l[0], l[1]);
            if (id == null) {
                throw new IllegalStateException(artifact + " is licensed under '" + l[0] + "' (" + l[1] + "), not on the"
                    + " allow-list of permissive licences " + ALLOWED.keySet() + ": the agent jar must not carry"
                    + " modified copies of its classes, so it must not be pre-woven (agent/pom.xml, prewoven-*"
                    + " executions); the agent weaves it at run time instead");
            }
            if (!spdx.contains(id)) {
                spdx.add(id);
            }
        }
        return new Library(gav[0], gav[1], gav[2], spdx);
    }

    /** The SPDX id of a permissive licence with this name or address, or null. */
    static String permissive(String name, String url) {
        String n = name == null ? "" : name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", " ").trim()
            .replaceFirst("^the ", "");
        String u = url == null ? "" : url.toLowerCase(Locale.ROOT).replaceFirst("^https?://(www\\.)?", "")
            .replaceFirst("(\\.txt|\\.html|\\.php)?/?$", "");
        for (Map.Entry<String, List<String>> e : ALLOWED.entrySet()) {
            if (e.getValue().contains(n) || !u.isEmpty() && e.getValue().contains(u)) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * groupId, artifactId and version of a file named {@code groupId.artifactId-version.jar}: the split whose pom is
     * in the repository (a groupId has dots, and an artifactId can have dashes).
     */
    static String[] coordinates(File repository, String fileName) {
        String base = fileName.substring(0, fileName.length() - ".jar".length());
        for (int dot = base.indexOf('.'); dot > 0; dot = base.indexOf('.', dot + 1)) {
            for (int dash = base.indexOf('-', dot); dash > 0; dash = base.indexOf('-', dash + 1)) {
                String g = base.substring(0, dot);
                String a = base.substring(dot + 1, dash);
                String v = base.substring(dash + 1);
                if (pom(repository, g, a, v).isFile()) {
                    return new String[] {g, a, v};
                }
            }
        }
        throw new IllegalStateException(fileName + ": no pom for it in " + repository + ", so its licence is unknown"
            + " (the build copies pre-woven libraries as groupId.artifactId-version.jar)");
    }

    /** Name and address of each licence the pom or its nearest parent with any lists. */
    static List<String[]> licences(File repository, String groupId, String artifactId, String version)
        throws IOException {
        File pom = pom(repository, groupId, artifactId, version);
        Element project;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            DocumentBuilder b = f.newDocumentBuilder();
            project = b.parse(pom).getDocumentElement();
        } catch (Exception e) {
            throw new IOException(pom + ": " + e, e);
        }
        List<String[]> found = new ArrayList<>();
        Element licences = child(project, "licenses");
        for (Node n = licences == null ? null : licences.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ((Element) n).getTagName().equals("license")) {
                found.add(new String[] {text((Element) n, "name"), text((Element) n, "url")});
            }
        }
        Element parent = child(project, "parent");
        if (found.isEmpty() && parent != null) {
            return licences(repository, text(parent, "groupId"), text(parent, "artifactId"), text(parent, "version"));
        }
        return found;
    }

    /**
     * Writes the jar's {@code META-INF/NOTICE}: the project's, then each library whose classes are in the jar modified
     * by weaving (the Apache License asks for a notice that the files were changed), its licence, and its own NOTICE
     * text; and, in {@code META-INF/licenses/prewoven/}, the licence texts its jar carries.
     */
    static void writeNotice(File classes, File projectNotice, Map<Library, File> jars, Map<Library, Integer> woven)
        throws IOException {
        File licences = new File(classes, "META-INF/licenses/prewoven");
        Files.createDirectories(licences.toPath());
        for (File stale : licences.listFiles()) {
            Files.delete(stale.toPath());
        }
        StringBuilder notice = new StringBuilder(new String(Files.readAllBytes(projectNotice.toPath()), UTF_8));
        notice.append("\nPre-woven classes: dev/poolguard/prewoven/ holds classes of these libraries modified by\n"
            + "PoolGuard's weaving (its advice inlined into their methods) at build time. The agent uses one only in\n"
            + "place of the exact released class file it was made from.\n");
        for (Map.Entry<Library, Integer> e : woven.entrySet()) {
            Library l = e.getKey();
            notice.append("\n- ").append(l).append(", ").append(String.join(" and ", l.licences)).append(": ")
                .append(e.getValue()).append(" classes modified.\n");
            List<String[]> texts = texts(jars.get(l), "LICENSE");
            if (!texts.isEmpty()) {
                String name = l.groupId + "." + l.artifactId + "-" + l.version;
                StringBuilder all = new StringBuilder();
                for (String[] text : texts) {
                    all.append(text[1]).append('\n');
                }
                Files.write(new File(licences, name).toPath(), all.toString().getBytes(UTF_8));
                notice.append("  Licence: META-INF/licenses/prewoven/").append(name).append('\n');
            } else if (l.licences.equals(List.of("Apache-2.0"))) {
                notice.append("  Licence: META-INF/LICENSE (the same Apache License 2.0).\n");
            } else {
                throw new IllegalStateException(l + ": its jar carries no licence text, which " + l.licences
                    + " asks to be reproduced with a modified copy");
            }
            for (String[] text : texts(jars.get(l), "NOTICE")) {
                notice.append("  Its NOTICE:\n");
                for (String line : text[1].split("\\R")) {
                    notice.append(line.isBlank() ? "" : "    " + line).append('\n');
                }
            }
        }
        Files.write(new File(classes, "META-INF/NOTICE").toPath(), notice.toString().getBytes(UTF_8));
    }

    /** Name and text of each of a jar's files named {@code prefix*} at its root or in its META-INF. */
    private static List<String[]> texts(File jar, String prefix) throws IOException {
        List<String[]> found = new ArrayList<>();
        try (JarFile j = new JarFile(jar)) {
            for (Enumeration<JarEntry> e = j.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                String file = name.startsWith("META-INF/") ? name.substring("META-INF/".length()) : name;
                if (file.toUpperCase(Locale.ROOT).startsWith(prefix) && !file.contains("/")) {
                    try (InputStream in = j.getInputStream(j.getEntry(name))) {
                        found.add(new String[] {name, new String(in.readAllBytes(), UTF_8).strip()});
                    }
                }
            }
        }
        return found;
    }

    private static File pom(File repository, String groupId, String artifactId, String version) {
        return new File(repository, groupId.replace('.', '/') + "/" + artifactId + "/" + version + "/" + artifactId
            + "-" + version + ".pom");
    }

    private static Element child(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element && ((Element) n).getTagName().equals(tag)) {
                return (Element) n;
            }
        }
        return null;
    }

    private static String text(Element parent, String tag) {
        Element e = child(parent, tag);
        return e == null ? null : e.getTextContent().trim();
    }
}
