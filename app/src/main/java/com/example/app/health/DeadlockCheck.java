package com.example.app.health;

import jakarta.enterprise.context.ApplicationScoped;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live unless threads are deadlocked: a deadlock never clears by itself, so the one remedy is the
 * restart that a failing liveness check asks the container runtime for.
 */
@Liveness
@ApplicationScoped
public class DeadlockCheck implements HealthCheck {

    static final String NAME = "no-deadlocked-threads";

    private final ThreadMXBean threads;

    public DeadlockCheck() {
        this(ManagementFactory.getThreadMXBean());
    }

    DeadlockCheck(ThreadMXBean threads) {
        this.threads = threads;
    }

    int deadlockedThreadCount() {
        long[] ids = threads.findDeadlockedThreads();
        return ids == null ? 0 : ids.length;
    }

    @Override
    public HealthCheckResponse call() {
        int deadlocked = deadlockedThreadCount();
        return HealthCheckResponse.named(NAME)
                .status(deadlocked == 0)
                .withData("deadlockedThreads", deadlocked)
                .build();
    }
}
