package com.example.app;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Errors answer with their status and its reason phrase only: the runtime's own error texts name
 * the product and the request path, and an unexpected exception must not show its stack trace.
 * Its log line carries the request id that nginx sends (X-Request-Id), the id of the request in
 * nginx's access log.
 */
@Provider
public class PlainErrorMapper implements ExceptionMapper<Throwable> {

    static final String REQUEST_ID_HEADER = "X-Request-Id";
    static final String NO_REQUEST_ID = "-";

    private static final Logger LOG = Logger.getLogger(PlainErrorMapper.class.getName());
    // nginx's $request_id is 32 hex digits; anything else that could break a log line is dropped.
    private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Context
    HttpHeaders headers;

    @Override
    public Response toResponse(Throwable exception) {
        Response.StatusType status;
        if (exception instanceof WebApplicationException web) {
            status = web.getResponse().getStatusInfo();
        } else {
            logUnexpected(exception);
            status = Response.Status.INTERNAL_SERVER_ERROR;
        }
        return Response.status(status)
                .type(MediaType.TEXT_PLAIN_TYPE)
                .entity(status.getReasonPhrase() + "\n")
                .build();
    }

    void logUnexpected(Throwable exception) {
        LOG.log(Level.SEVERE, "Unhandled error while serving request " + requestId(), exception);
    }

    private String requestId() {
        return safeRequestId(headers == null ? null : headers.getHeaderString(REQUEST_ID_HEADER));
    }

    /** The request id as sent, if it is a plain token; else "-". */
    static String safeRequestId(String header) {
        return header != null && SAFE_REQUEST_ID.matcher(header).matches() ? header : NO_REQUEST_ID;
    }
}
