package com.example.app.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class StartupCheckTest {

    @Test
    void notStartedUntilTheApplicationIsInitialized() {
        StartupCheck check = new StartupCheck();
        assertFalse(check.isInitialized());
        check.markInitialized(Instant.now());
        assertTrue(check.isInitialized());
    }
}
