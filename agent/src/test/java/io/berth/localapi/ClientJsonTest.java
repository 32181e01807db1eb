package io.berth.localapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientJsonTest {

    @Test
    void readsTheSameTreesAsObjectMapper() throws IOException {
        for (String line : List.of(
                "{\"ok\":true,\"result\":{\"report\":{\"device\":\"d1\",\"services\":{\"web\":{\"state\":\"running\","
                        + "\"restarts\":3,\"ports\":[80,443],\"health\":null}}},\"connected\":false}}",
                "{\"ok\":false,\"error\":\"no \\\"such\\\" service \\u00e9\",\"detail\":{\"retryable\":true}}",
                "{\"n\":2147483647,\"l\":2147483648,\"b\":123456789012345678901234567890,\"d\":1.5,\"e\":-2E-3}",
                "{\"k\":1,\"k\":2}",
                "[1,\"two\",[],{},true,false,null]",
                "\"text\"",
                "42")) {
            JsonNode expected = Protocol.JSON.readTree(line);
            JsonNode read = ClientJson.read(line);
            assertEquals(expected, read, line);
            assertEquals(expected.toString(), read.toString(), line);
        }
    }

    @Test
    void anEmptyLineIsAnError() {
        assertThrows(IOException.class, () -> ClientJson.read(""));
    }

    @Test
    void theRequestIsTheEnvelopeTheServerReads() throws IOException {
        assertEquals(Protocol.JSON.readTree("{\"verb\":\"status\",\"args\":{}}"),
                Protocol.JSON.readTree(ClientJson.request("status", null)));
        JsonNode args = Protocol.JSON.readTree("{\"service\":\"web \\\"1\\\"\",\"tail\":10,\"follow\":true}");
        JsonNode request = Protocol.JSON.readTree(ClientJson.request("logs", args));
        assertEquals("logs", request.path("verb").asText());
        assertEquals(args, request.path("args"));
        assertTrue(ClientJson.request("status", null).indexOf('\n') < 0, "one line");
    }
}
