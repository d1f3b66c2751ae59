package com.example.app.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import java.time.Instant;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** Started once the application's CDI context is initialized, that is once it can take requests. */
@Startup
@ApplicationScoped
public class StartupCheck implements HealthCheck {

    static final String NAME = "application-initialized";

    private volatile Instant initializedAt;

    void onApplicationInitialized(@Observes @Initialized(ApplicationScoped.class) Object event) {
        markInitialized(Instant.now());
    }

    void markInitialized(Instant when) {
        initializedAt = when;
    }

    boolean isInitialized() {
        return initializedAt != null;
    }

    @Override
    public HealthCheckResponse call() {
        Instant at = initializedAt;
        return HealthCheckResponse.named(NAME)
                .status(at != null)
                .withData("initializedAt", at == null ? "not yet" : at.toString())
                .build();
    }
}
