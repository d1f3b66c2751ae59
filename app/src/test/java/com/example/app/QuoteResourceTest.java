package com.example.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class QuoteResourceTest {

    private final QuoteResource resource = new QuoteResource();

    @Test
    void absentHeadersReadNone() {
        String answer = resource.quote(null, null, null);
        assertEquals(List.of(QuoteResource.QUOTE, "X-Forwarded-For: None", "X-Real-IP: None", "X-Forwarded-Proto: None"),
                answer.lines().toList());
        assertTrue(answer.endsWith("\n"), "the last line ends with a newline");
    }

    @Test
    void presentHeadersAreEchoedInTheirOwnLines() {
        List<String> lines = resource.quote("203.0.113.7, 10.0.0.2", "203.0.113.7", "https").lines().toList();
        assertEquals(List.of(
                QuoteResource.QUOTE,
                "X-Forwarded-For: 203.0.113.7, 10.0.0.2",
                "X-Real-IP: 203.0.113.7",
                "X-Forwarded-Proto: https"), lines);
    }

    @Test
    void anEmptyHeaderIsEchoedEmptyNotAsNone() {
        assertTrue(resource.quote("", null, null).contains("\nX-Forwarded-For: \n"));
    }
}
