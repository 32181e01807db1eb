package io.berth.engine.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The engine's own words from an error answer: its JSON {@code {"message": …}}, else the text. */
public final class EngineErrors {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CAP = 4096;

    private EngineErrors() {}

    /** The message of an error body. */
    public static String message(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, CAP), StandardCharsets.UTF_8).strip();
        try {
            JsonNode node = JSON.readTree(text);
            if (node != null && node.path("message").isTextual()) {
                return node.get("message").asText().strip();
            }
        } catch (IOException notJson) {
            // plain text
        }
        return text;
    }

    /** The message inside a client library's text, e.g. {@code Status 404: {"message":"No such container"}}. */
    public static String fromText(String text) {
        if (text == null) {
            return "";
        }
        int at = text.indexOf('{');
        if (at >= 0) {
            String inner = message(text.substring(at).getBytes(StandardCharsets.UTF_8));
            if (!inner.startsWith("{")) {
                return inner;
            }
        }
        return text.strip();
    }

    /** One line for a failed request: what was asked, the status, the engine's message. */
    public static String describe(String method, String path, int status, byte[] body) {
        String message = message(body);
        return "the engine answered " + status + " to " + method + " " + path
                + (message.isEmpty() ? "" : ": " + message);
    }
}
