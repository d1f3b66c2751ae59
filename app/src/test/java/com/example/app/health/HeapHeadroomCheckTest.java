package com.example.app.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.MemoryUsage;
import org.junit.jupiter.api.Test;

class HeapHeadroomCheckTest {

    private static final long MIB = 1024 * 1024;

    @Test
    void usedRatioIsAgainstTheMaximumHeap() {
        HeapHeadroomCheck check = new HeapHeadroomCheck(0.9, () -> new MemoryUsage(0, 50 * MIB, 100 * MIB, 200 * MIB));
        assertEquals(0.25, check.usedRatio(), 1e-9);
    }

    @Test
    void committedStandsInWhenTheHeapHasNoMaximum() {
        HeapHeadroomCheck check = new HeapHeadroomCheck(0.9, () -> new MemoryUsage(0, 50 * MIB, 100 * MIB, -1));
        assertEquals(0.5, check.usedRatio(), 1e-9);
    }

    @Test
    void readyUpToTheLimitAndNotBeyond() {
        HeapHeadroomCheck check = new HeapHeadroomCheck(0.9, () -> new MemoryUsage(0, 1, 1, 1));
        assertTrue(check.hasHeadroom(0.5));
        assertTrue(check.hasHeadroom(0.9));
        assertFalse(check.hasHeadroom(0.95));
    }

    @Test
    void theRealHeapOfThisJvmHasHeadroom() {
        HeapHeadroomCheck check = new HeapHeadroomCheck(0.9, () ->
                java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage());
        double used = check.usedRatio();
        assertTrue(used > 0 && used < 0.9, "used ratio " + used);
    }

    @Test
    void aLimitOutsideZeroToOneIsRejectedWithTheSettingsName() {
        for (double bad : new double[] {0, -0.1, 1.5, Double.NaN}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> new HeapHeadroomCheck(bad, () -> new MemoryUsage(0, 1, 1, 1)));
            assertTrue(error.getMessage().contains("health.readiness.heap.max-used-ratio"), error.getMessage());
        }
    }
}
