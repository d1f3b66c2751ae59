package com.example.app;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The contract of GET / on a real Liberty, spoken to over a bare socket. */
@ExtendWith(ArquillianExtension.class)
class QuoteContractIT {

    @Deployment(testable = false)
    static WebArchive deployment() {
        return Deployments.packagedApp();
    }

    private final RawHttp client = new RawHttp("127.0.0.1", Deployments.PORT);

    QuoteContractIT() throws IOException {
    }

    @Test
    void getAnswersTheQuoteAndNoneForAbsentHeaders() throws IOException {
        RawHttp.Reply reply = client.send("GET", "/");
        assertEquals(200, reply.status());
        assertEquals("text/plain;charset=utf-8",
                reply.header("Content-Type").replace(" ", "").toLowerCase(Locale.ROOT));
        assertEquals("""
                It's easier to ask forgiveness than it is to get permission.
                X-Forwarded-For: None
                X-Real-IP: None
                X-Forwarded-Proto: None
                """, reply.body());
    }

    @Test
    void getEchoesTheForwardingHeaders() throws IOException {
        RawHttp.Reply reply = client.send("GET", "/",
                "X-Forwarded-For: 203.0.113.7", "X-Real-IP: 203.0.113.8", "X-Forwarded-Proto: https");
        assertEquals(200, reply.status());
        assertEquals("""
                It's easier to ask forgiveness than it is to get permission.
                X-Forwarded-For: 203.0.113.7
                X-Real-IP: 203.0.113.8
                X-Forwarded-Proto: https
                """, reply.body());
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws IOException {
        RawHttp.Reply reply = client.send("HEAD", "/");
        assertEquals(200, reply.status());
        assertTrue(reply.header("Content-Type").startsWith("text/plain"), reply.headers().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"})
    void otherMethodsAre405WithAllow(String method) throws IOException {
        RawHttp.Reply reply = client.send(method, "/", "Content-Length: 0");
        assertEquals(405, reply.status(), method);
        assertEquals("GET, HEAD", reply.header("Allow"), method);
        assertRevealsNothing(reply);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/nope", "/index.html", "/app", "/health.json"})
    void unknownPathsAre404(String path) throws IOException {
        RawHttp.Reply reply = client.send("GET", path);
        assertEquals(404, reply.status(), path);
        assertRevealsNothing(reply);
    }

    /**
     * The web container guards WEB-INF itself, before the application sees the request; its 404
     * names the missing file and the Java exception, but no product, version or stack trace.
     */
    @ParameterizedTest
    @ValueSource(strings = {"/WEB-INF/ibm-web-ext.xml", "/META-INF/MANIFEST.MF"})
    void protectedArchivePathsAre404(String path) throws IOException {
        RawHttp.Reply reply = client.send("GET", path);
        assertEquals(404, reply.status(), path);
        assertNamesNoProductVersionOrStack(reply);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/%2e%2e/server.xml", "/..%2fserver.xml", "/%2e%2e%2f%2e%2e%2fetc/passwd"})
    void traversalIsRefused(String path) throws IOException {
        RawHttp.Reply reply = client.send("GET", path);
        assertTrue(reply.status() == 400 || reply.status() == 404, path + " gave " + reply.status());
        assertRevealsNothing(reply);
    }

    @Test
    void oddHeaderBytesAreNeverA500() throws IOException {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Real-IP: "
                .getBytes(StandardCharsets.US_ASCII));
        request.writeBytes(new byte[] {0x01, 0x7f, (byte) 0xc3, (byte) 0x28, (byte) 0xff, 0x1b});
        request.writeBytes("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        RawHttp.Reply reply = client.exchange(request.toByteArray(), true);
        assertNotServerError(reply);
        assertRevealsNothing(reply);
    }

    @Test
    void aHugeHeaderIsNeverA500() throws IOException {
        RawHttp.Reply reply = client.send("GET", "/", "X-Forwarded-For: " + "9".repeat(200_000));
        assertNotServerError(reply);
        assertRevealsNothing(reply);
    }

    @Test
    void aMalformedRequestLineIsNeverA500() throws IOException {
        RawHttp.Reply reply = client.exchange("GET /\u0000 HTTP/9.9\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), true);
        assertNotServerError(reply);
        assertRevealsNothing(reply);
    }

    @Test
    void noHeaderNamesTheServerProduct() throws IOException {
        RawHttp.Reply reply = client.send("GET", "/");
        assertAll(
                () -> assertNull(reply.header("Server"), "Server header"),
                () -> assertNull(reply.header("X-Powered-By"), "X-Powered-By header"));
    }

    private static void assertNotServerError(RawHttp.Reply reply) {
        assertFalse(reply.status() >= 500, "got " + reply.status() + ": " + reply.body());
    }

    private static void assertNamesNoProductVersionOrStack(RawHttp.Reply reply) {
        String everything = (reply.headers() + "\n" + reply.body()).toLowerCase(Locale.ROOT);
        for (String tell : new String[] {"liberty", "websphere", "26.0.0", "\tat ", "at com.", "at java."}) {
            assertFalse(everything.contains(tell), "reply reveals '" + tell + "': " + everything);
        }
    }

    /** No product name, version, Java class or stack frame in an error's headers or body. */
    private static void assertRevealsNothing(RawHttp.Reply reply) {
        String everything = (reply.headers() + "\n" + reply.body()).toLowerCase(Locale.ROOT);
        for (String tell : new String[] {"liberty", "websphere", "resteasy", "ibm", "java", "exception",
                "srve", "cwwk", "at com.", "at org.", "26.0.0"}) {
            assertFalse(everything.contains(tell), "reply reveals '" + tell + "': " + everything);
        }
    }
}
