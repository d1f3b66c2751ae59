package com.example.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Node;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** What the rest of the repository says about the images, so that the manifests are held to it. */
final class ProjectFiles {

    private static final ObjectMapper YAML = YAMLMapper.builder().build();

    private ProjectFiles() {
    }

    /** The project's version: pom.xml's own {@code <version>}, which the images are tagged with. */
    static String projectVersion() throws Exception {
        for (Node node = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
                .getDocumentElement().getFirstChild(); node != null; node = node.getNextSibling()) {
            if ("version".equals(node.getNodeName())) {
                return node.getTextContent().trim();
            }
        }
        return fail("pom.xml has no <version> of its own");
    }

    /** The image a Compose service of docker-compose.yml names. */
    static String composeImage(String service) throws IOException {
        return composeService(service).path("image").asString();
    }

    /** The tmpfs paths of a Compose service of docker-compose.yml. */
    static List<String> composeTmpfs(String service) throws IOException {
        List<String> paths = new ArrayList<>();
        composeService(service).path("tmpfs").forEach(path -> paths.add(path.asString()));
        return paths;
    }

    private static JsonNode composeService(String service) throws IOException {
        JsonNode node = YAML.readTree(Files.readString(Path.of("docker-compose.yml"))).path("services").path(service);
        if (node.isMissingNode()) {
            fail("docker-compose.yml has no service " + service);
        }
        return node;
    }

    /** The image README.md builds from DOCKERFILE's default stage (`docker build -f DOCKERFILE -t NAME .`). */
    static String readmeImageBuiltFrom(String dockerfile) throws IOException {
        Matcher build = Pattern.compile("`docker build -f " + Pattern.quote(dockerfile) + " -t ([^ `]+) ")
                .matcher(Files.readString(Path.of("README.md")));
        if (!build.find()) {
            fail("README.md has no `docker build -f " + dockerfile + " -t NAME ...` command");
        }
        String image = build.group(1);
        return image.contains(":") ? image : image + ":latest";
    }

    /**
     * The paths that README.md's hardened production run (the `docker run` of the block marked
     * `<!-- hardened-run: ... -->`) gives the app as tmpfs, the only ones it may write.
     */
    static Set<String> readmeHardenedRunTmpfs() throws IOException {
        Matcher run = Pattern.compile("<!-- hardened-run:[^\\n]*\\n```sh\\n(docker run [^\\n]*)")
                .matcher(Files.readString(Path.of("README.md")));
        if (!run.find()) {
            fail("README.md has no `docker run` in a block marked <!-- hardened-run: ... -->");
        }
        Set<String> paths = new TreeSet<>();
        Matcher tmpfs = Pattern.compile("--tmpfs ([^ :]+)").matcher(run.group(1));
        while (tmpfs.find()) {
            paths.add(tmpfs.group(1));
        }
        return paths;
    }

    /** The command of a Dockerfile's HEALTHCHECK, written in the exec (JSON array) form. */
    static List<String> healthcheckCommand(Path dockerfile) throws IOException {
        String joined = Files.readString(dockerfile).replace("\\\n", " ");
        Matcher healthcheck = Pattern.compile("(?m)^HEALTHCHECK .*? CMD (\\[.*\\])\\s*$").matcher(joined);
        if (!healthcheck.find()) {
            fail(dockerfile + " has no HEALTHCHECK ... CMD [...]");
        }
        return YAML.readValue(healthcheck.group(1), new TypeReference<List<String>>() { });
    }

    /**
     * The value of a directive or instruction, from the first line that starts with it: nginx's
     * `NAME VALUE;`, a Dockerfile's `NAME VALUE`.
     */
    static String directive(Path file, String name) throws IOException {
        Matcher line = Pattern.compile("(?m)^\\s*" + Pattern.quote(name) + "\\s+([^;\\n]+)").matcher(Files.readString(file));
        if (!line.find()) {
            fail(file + " has no " + name + " directive");
        }
        return line.group(1).trim();
    }

    /** The default value of a Liberty server.xml variable. */
    static String libertyVariable(String name) throws IOException {
        Matcher variable = Pattern.compile("<variable\\s+name=\"" + Pattern.quote(name) + "\"\\s+defaultValue=\"([^\"]*)\"")
                .matcher(Files.readString(Path.of("src-liberty/server.xml")));
        if (!variable.find()) {
            fail("src-liberty/server.xml has no variable " + name + " with a default");
        }
        return variable.group(1);
    }
}
