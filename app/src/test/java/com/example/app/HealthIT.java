package com.example.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** MicroProfile Health on a real Liberty: each endpoint is UP and carries the project's own check. */
@ExtendWith(ArquillianExtension.class)
class HealthIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.packagedApp();
    }

    @ParameterizedTest
    @CsvSource({
        HealthEndpoints.LIVE + ", no-deadlocked-threads",
        HealthEndpoints.READY + ", heap-headroom",
        HealthEndpoints.STARTED + ", application-initialized",
        "/health, heap-headroom"})
    void endpointIsUpWithTheProjectsCheck(String path, String checkName) throws IOException {
        RawHttp.Reply reply = new RawHttp("127.0.0.1", Deployments.PORT).send("GET", path);
        String body = reply.body().replace(" ", "");
        assertEquals(200, reply.status(), path + ": " + body);
        assertTrue(body.contains("\"status\":\"UP\""), body);
        assertTrue(body.contains("\"name\":\"" + checkName + "\""), path + " lacks " + checkName + ": " + body);
    }
}
