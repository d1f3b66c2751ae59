package com.example.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SBOM that `mvn package` writes beside the WAR (the CycloneDX plugin in pom.xml): a CycloneDX
 * JSON document about this WAR, listing exactly the libraries the WAR holds. An integration test,
 * so that it runs after package.
 */
class WarSbomIT {

    private static final Path WAR = Path.of("target/app.war");
    private static final Path SBOM = Path.of("target/app.cdx.json");

    private static JsonNode sbom;

    @BeforeAll
    static void read() throws IOException {
        assertTrue(Files.isRegularFile(SBOM), SBOM + " missing: mvn package writes it (not offline: `mvn -o` skips it)");
        sbom = JsonMapper.builder().build().readTree(Files.readString(SBOM));
    }

    @Test
    void isCycloneDx() {
        assertEquals("CycloneDX", sbom.path("bomFormat").asString());
        assertTrue(sbom.path("specVersion").isString(), "specVersion");
    }

    @Test
    void describesTheWar() throws IOException {
        Properties war = new Properties();
        try (ZipFile zip = new ZipFile(WAR.toFile())) {
            // The coordinates that the WAR plugin writes into the WAR itself.
            try (InputStream in = zip.getInputStream(zip.getEntry("META-INF/maven/com.example/app/pom.properties"))) {
                war.load(in);
            }
        }
        JsonNode component = sbom.path("metadata").path("component");
        assertEquals("pkg:maven/%s/%s@%s?type=war".formatted(war.getProperty("groupId"), war.getProperty("artifactId"),
                war.getProperty("version")), component.path("purl").asString());
        assertEquals("application", component.path("type").asString());
    }

    @Test
    void listsExactlyTheLibrariesTheWarHolds() throws IOException {
        Set<String> held = new TreeSet<>();
        try (ZipFile zip = new ZipFile(WAR.toFile())) {
            zip.stream().map(entry -> entry.getName())
                    .filter(name -> name.startsWith("WEB-INF/lib/") && name.endsWith(".jar"))
                    .forEach(name -> held.add(name.substring("WEB-INF/lib/".length())));
        }
        Set<String> listed = new TreeSet<>();
        sbom.path("components").forEach(c -> listed.add(c.path("name").asString() + "-" + c.path("version").asString() + ".jar"));
        assertEquals(held, listed, "WEB-INF/lib against the SBOM's components");
    }
}
