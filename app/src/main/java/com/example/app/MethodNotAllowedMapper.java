package com.example.app;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Every 405 names the same methods, the ones the service really serves. */
@Provider
public class MethodNotAllowedMapper implements ExceptionMapper<NotAllowedException> {

    static final String ALLOWED_METHODS = "GET, HEAD";

    @Override
    public Response toResponse(NotAllowedException exception) {
        return methodNotAllowed();
    }

    static Response methodNotAllowed() {
        return Response.status(Response.Status.METHOD_NOT_ALLOWED)
                .header(HttpHeaders.ALLOW, ALLOWED_METHODS)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity("Method Not Allowed\n")
                .build();
    }
}
