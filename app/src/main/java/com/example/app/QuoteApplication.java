package com.example.app;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** Serves the REST resources at the root of the context, which server.xml maps to "/". */
@ApplicationPath("/")
public class QuoteApplication extends Application {
}
