package com.example.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.ws.rs.core.HttpHeaders;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PlainErrorMapperTest {

    private final Logger logger = Logger.getLogger(PlainErrorMapper.class.getName());
    private final List<LogRecord> records = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord logRecord) {
            records.add(logRecord);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void captureLog() {
        logger.addHandler(capture);
    }

    @AfterEach
    void releaseLog() {
        logger.removeHandler(capture);
    }

    private static PlainErrorMapper mapperWithRequestId(String requestId) {
        PlainErrorMapper mapper = new PlainErrorMapper();
        mapper.headers = (HttpHeaders) Proxy.newProxyInstance(HttpHeaders.class.getClassLoader(),
                new Class<?>[] {HttpHeaders.class},
                (proxy, method, args) -> method.getName().equals("getHeaderString")
                        && PlainErrorMapper.REQUEST_ID_HEADER.equals(args[0]) ? requestId : null);
        return mapper;
    }

    @Test
    void anUnexpectedErrorIsLoggedWithNginxsRequestId() {
        IllegalStateException boom = new IllegalStateException("boom");
        mapperWithRequestId("4f1c0a9e2b7d4e6fa1c3b5d7e9f00112").logUnexpected(boom);
        assertEquals(1, records.size());
        assertEquals("Unhandled error while serving request 4f1c0a9e2b7d4e6fa1c3b5d7e9f00112",
                records.get(0).getMessage());
        assertEquals(boom, records.get(0).getThrown());
    }

    @Test
    void aRequestIdThatCouldForgeALogLineIsDropped() {
        mapperWithRequestId("abc\nSEVERE forged").logUnexpected(new IllegalStateException("boom"));
        assertEquals("Unhandled error while serving request -", records.get(0).getMessage());
    }

    @Test
    void withoutTheHeaderTheIdIsADash() {
        mapperWithRequestId(null).logUnexpected(new IllegalStateException("boom"));
        assertEquals("Unhandled error while serving request -", records.get(0).getMessage());
    }

    @Test
    void onlyPlainTokensPassAsRequestIds() {
        assertEquals("a-B_9.z", PlainErrorMapper.safeRequestId("a-B_9.z"));
        assertEquals("-", PlainErrorMapper.safeRequestId(""));
        assertEquals("-", PlainErrorMapper.safeRequestId("x".repeat(65)));
        assertEquals("-", PlainErrorMapper.safeRequestId("id with spaces"));
    }
}
