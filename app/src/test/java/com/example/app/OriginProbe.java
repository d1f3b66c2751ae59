package com.example.app;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;

/** Test-only: shows the client address and scheme that Liberty's remote-IP support gives the app. */
@Path("/test-probe/origin")
public class OriginProbe {

    @Context
    private HttpServletRequest request;

    @GET
    @Produces("text/plain")
    public String origin() {
        return request.getRemoteAddr() + " " + request.getScheme();
    }
}
