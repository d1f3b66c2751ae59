package com.example.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Liberty's remote-IP support trusts forwarding headers only from the configured proxies. In the
 * test server (app/src/test/liberty) the one trusted proxy is 127.0.0.2; 127.0.0.1 is a stranger.
 */
@ExtendWith(ArquillianExtension.class)
class RemoteIpIT {

    private static final String PROBE = "/test-probe/origin";
    private static final String[] FORWARDED_FROM_CLIENT = {
        "X-Forwarded-For: 203.0.113.7", "X-Forwarded-Proto: https", "X-Real-IP: 203.0.113.7"};

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.packagedApp();
    }

    @Test
    void aTrustedProxyNamesTheClientAndTheScheme() throws IOException {
        RawHttp.Reply reply = new RawHttp("127.0.0.2", Deployments.PORT).send("GET", PROBE, FORWARDED_FROM_CLIENT);
        assertEquals(200, reply.status());
        assertEquals("203.0.113.7 https", reply.body());
    }

    @Test
    void forgedHeadersFromAnUntrustedPeerChangeNothing() throws IOException {
        RawHttp.Reply reply = new RawHttp("127.0.0.1", Deployments.PORT).send("GET", PROBE, FORWARDED_FROM_CLIENT);
        assertEquals(200, reply.status());
        assertEquals("127.0.0.1 http", reply.body());
    }

    /**
     * The private headers of IBM's web server plug-in ($WSRA client address, $WSIS secure,
     * $WSSC scheme) are believed from no peer, not even the trusted proxy (server.xml's
     * httpDispatcher): nginx never sends them, so only a client could.
     */
    @Test
    void privatePluginHeadersAreBelievedFromNoPeer() throws IOException {
        String[] plugin = {"$WSRA: 203.0.113.9", "$WSRH: forged.example", "$WSIS: true", "$WSSC: https"};
        for (String peer : new String[] {"127.0.0.2", "127.0.0.1"}) {
            RawHttp.Reply reply = new RawHttp(peer, Deployments.PORT).send("GET", PROBE, plugin);
            assertEquals(200, reply.status());
            assertEquals(peer + " http", reply.body(), "from " + peer);
        }
    }

    @Test
    void noForwardingHeadersLeaveThePeer() throws IOException {
        RawHttp.Reply reply = new RawHttp("127.0.0.2", Deployments.PORT).send("GET", PROBE);
        assertEquals("127.0.0.2 http", reply.body());
    }

    /** The access log names the proxy (%h) and the client it forwarded for (%a). */
    @Test
    void theAccessLogNamesTheForwardedClient() throws IOException, InterruptedException {
        String marker = "/?marker=" + UUID.randomUUID();
        new RawHttp("127.0.0.2", Deployments.PORT).send("GET", marker, "X-Forwarded-For: 198.51.100.23");
        Path accessLog = Path.of(System.getProperty("liberty.test.server.dir"), "logs", "http_access.log");
        String line = "";
        for (int attempt = 0; attempt < 100 && line.isEmpty(); attempt++) {
            line = Files.exists(accessLog)
                    ? Files.readAllLines(accessLog, StandardCharsets.UTF_8).stream()
                            .filter(l -> l.contains(marker)).findFirst().orElse("")
                    : "";
            if (line.isEmpty()) {
                Thread.sleep(100);
            }
        }
        assertTrue(line.startsWith("127.0.0.2 198.51.100.23 "), "access log line for " + marker + ": '" + line + "'");
    }
}
