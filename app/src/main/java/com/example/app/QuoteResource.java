package com.example.app;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;

/**
 * GET / answers the quote and the forwarding headers that reached the app, so that anyone can
 * see what the proxy in front of it passes on. HEAD comes with GET; every other method is 405.
 * One instance serves every request (it holds no state; the headers come as parameters), instead
 * of one built and injected per request.
 */
@ApplicationScoped
@Path("/")
public class QuoteResource {

    static final String QUOTE = "It's easier to ask forgiveness than it is to get permission.";

    static final String TEXT_PLAIN_UTF8 = "text/plain; charset=UTF-8";

    @GET
    @Produces(TEXT_PLAIN_UTF8)
    public String quote(@HeaderParam("X-Forwarded-For") String forwardedFor,
                        @HeaderParam("X-Real-IP") String realIp,
                        @HeaderParam("X-Forwarded-Proto") String forwardedProto) {
        return QUOTE + "\n"
                + "X-Forwarded-For: " + orNone(forwardedFor) + "\n"
                + "X-Real-IP: " + orNone(realIp) + "\n"
                + "X-Forwarded-Proto: " + orNone(forwardedProto) + "\n";
    }

    /** Jakarta REST would answer OPTIONS itself with 200; the contract allows GET and HEAD only. */
    @OPTIONS
    public Response options() {
        return MethodNotAllowedMapper.methodNotAllowed();
    }

    private static String orNone(String header) {
        return header == null ? "None" : header;
    }
}
