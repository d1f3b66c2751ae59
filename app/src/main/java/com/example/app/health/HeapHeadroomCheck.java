package com.example.app.health;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Locale;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready while the heap has room: an instance near its heap limit answers slowly or fails, so the
 * proxy should send traffic elsewhere until the collector has made room again. The limit is
 * MicroProfile Config's health.readiness.heap.max-used-ratio (env HEALTH_READINESS_HEAP_MAX_USED_RATIO).
 */
@Readiness
@ApplicationScoped
public class HeapHeadroomCheck implements HealthCheck {

    static final String NAME = "heap-headroom";

    @Inject
    @ConfigProperty(name = "health.readiness.heap.max-used-ratio", defaultValue = "0.9")
    double maxUsedRatio;

    private final Supplier<MemoryUsage> heap;

    public HeapHeadroomCheck() {
        this.heap = () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    }

    HeapHeadroomCheck(double maxUsedRatio, Supplier<MemoryUsage> heap) {
        this.maxUsedRatio = maxUsedRatio;
        this.heap = heap;
        requireValidLimit();
    }

    /** A bad setting stops the application at deployment, with the setting's name in the error. */
    @PostConstruct
    void requireValidLimit() {
        if (!(maxUsedRatio > 0 && maxUsedRatio <= 1)) {
            throw new IllegalArgumentException(
                    "health.readiness.heap.max-used-ratio must be in (0, 1], got " + maxUsedRatio);
        }
    }

    /** Used over the most the heap may grow to; the committed size stands in when no maximum is set. */
    double usedRatio() {
        MemoryUsage usage = heap.get();
        long limit = usage.getMax() > 0 ? usage.getMax() : usage.getCommitted();
        return (double) usage.getUsed() / limit;
    }

    boolean hasHeadroom(double usedRatio) {
        return usedRatio <= maxUsedRatio;
    }

    @Override
    public HealthCheckResponse call() {
        double used = usedRatio();
        return HealthCheckResponse.named(NAME)
                .status(hasHeadroom(used))
                .withData("usedRatio", String.format(Locale.ROOT, "%.3f", used))
                .withData("maxUsedRatio", String.format(Locale.ROOT, "%.3f", maxUsedRatio))
                .build();
    }
}
