package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EngineErrorsTest {
    @Test
    void theEnginesMessageIsTakenFromItsJson() {
        assertEquals("No such container: x",
                EngineErrors.message("{\"message\":\"No such container: x\"}\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("page not found", EngineErrors.message("page not found\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals("configured logging driver does not support reading",
                EngineErrors.fromText("Status 501: {\"message\":\"configured logging driver does not support reading\"}"));
        assertEquals("plain {text}", EngineErrors.fromText(" plain {text} "));
        assertEquals("the engine answered 409 to POST /x: in use",
                EngineErrors.describe("POST", "/x", 409, "{\"message\":\"in use\"}".getBytes(StandardCharsets.UTF_8)));
    }
}
