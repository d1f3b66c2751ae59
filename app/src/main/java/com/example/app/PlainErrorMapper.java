package com.example.app;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Errors answer with their status and its reason phrase only: the runtime's own error texts name
 * the product and the request path, and an unexpected exception must not show its stack trace.
 */
@Provider
public class PlainErrorMapper implements ExceptionMapper<Throwable> {

    private static final Logger LOG = Logger.getLogger(PlainErrorMapper.class.getName());

    @Override
    public Response toResponse(Throwable exception) {
        Response.StatusType status;
        if (exception instanceof WebApplicationException web) {
            status = web.getResponse().getStatusInfo();
        } else {
            LOG.log(Level.SEVERE, "Unhandled error while serving a request", exception);
            status = Response.Status.INTERNAL_SERVER_ERROR;
        }
        return Response.status(status)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity(status.getReasonPhrase() + "\n")
                .build();
    }
}
