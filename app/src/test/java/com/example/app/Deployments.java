package com.example.app;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The WAR that `mvn package` built, as it ships, plus the test-only probe. */
final class Deployments {

    /** The test server's HTTP port: HTTP_PORT, as the server itself reads it (server.xml), else 8000. */
    static final int PORT = Integer.parseInt(System.getenv().getOrDefault("HTTP_PORT", "8000"));

    private Deployments() {
    }

    static WebArchive packagedApp() {
        File war = new File("target/app.war");
        if (!war.isFile()) {
            throw new IllegalStateException("target/app.war is missing: run the tests with `mvn verify`");
        }
        return ShrinkWrap.create(ZipImporter.class, "quote-under-test.war")
                .importFrom(war)
                .as(WebArchive.class)
                .addClass(OriginProbe.class);
    }
}
