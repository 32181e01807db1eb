package io.berth.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CommandEnvelopeTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Wire.Message message(String body, String responseTopic, byte[] correlation) {
        return new Wire.Message("berth/d/cmd/restart", body.getBytes(StandardCharsets.UTF_8), responseTopic,
                correlation);
    }

    @Test
    void mqtt5PropertiesWinOverTheBody() {
        byte[] corr = {1, 2, 3};
        CommandEnvelope e = CommandEnvelope.of(message("{\"replyTo\":\"berth/d/reply/b\"}", "berth/d/reply/p", corr));
        assertEquals("berth/d/reply/p", e.replyTo());
        assertArrayEquals(corr, e.correlationData());
        assertNull(e.problem());
    }

    @Test
    void on311TheBodyCarriesTheRouteAndTheAnswerRepeatsTheCorrelation() throws Exception {
        CommandEnvelope e = CommandEnvelope.of(message(
                "{\"service\":\"web\",\"replyTo\":\"berth/d/reply/x\",\"correlation\":\"c-42\"}", null, null));
        assertEquals("berth/d/reply/x", e.replyTo());
        byte[] answer = e.answer("{\"ok\":true,\"result\":null,\"error\":null}".getBytes(StandardCharsets.UTF_8));
        assertEquals("c-42", JSON.readTree(answer).path("correlation").asText());
        assertTrue(JSON.readTree(answer).path("ok").asBoolean());
    }

    @Test
    void withoutCorrelationTheAnswerIsUnchanged() {
        CommandEnvelope e = CommandEnvelope.of(message("{}", "t", null));
        byte[] answer = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(answer, e.answer(answer));
    }

    @Test
    void expiresAtBoundsWhenTheCommandMayRun() {
        CommandEnvelope e = CommandEnvelope.of(message("{\"expiresAt\":\"2026-12-01T10:00:00Z\"}", "t", null));
        assertFalse(e.expired(Instant.parse("2026-12-01T09:59:59Z")));
        assertTrue(e.expired(Instant.parse("2026-12-01T10:00:00Z")));
        assertTrue(e.expiredError(Instant.parse("2026-12-01T11:00:00Z")).startsWith("expired"));
        assertFalse(CommandEnvelope.of(message("{}", "t", null)).expired(Instant.MAX), "no expiry: runs");
    }

    @Test
    void aMalformedExpiryOrReplyTopicIsAProblemNamedForTheSender() {
        CommandEnvelope bad = CommandEnvelope.of(message("{\"expiresAt\":\"tomorrow\"}", "t", null));
        assertTrue(bad.problem().contains("'expiresAt' \"tomorrow\" is not an ISO-8601 instant"), bad.problem());
        CommandEnvelope wildcard = CommandEnvelope.of(message("{\"replyTo\":\"berth/+/reply\"}", null, null));
        assertNull(wildcard.replyTo());
        assertTrue(wildcard.problem().contains("not a topic one can publish to"), wildcard.problem());
    }

    @Test
    void aBodyThatIsNoJsonLeavesOnlyThePropertyRoute() {
        CommandEnvelope e = CommandEnvelope.of(message("{not json", "t", null));
        assertEquals("t", e.replyTo());
        assertNull(e.problem(), "the handler reports the malformed body");
    }

    @Test
    void refusalsHaveTheAnswerShape() throws Exception {
        var node = JSON.readTree(CommandEnvelope.refusal("expired: x"));
        assertFalse(node.path("ok").asBoolean());
        assertTrue(node.path("result").isNull());
        assertEquals("expired: x", node.path("error").asText());
    }

    @Test
    void aBrokerThatRefusesMqtt5IsRecognisedByEitherClientsCode() {
        assertTrue(new WireException("x", 132, null).refusesProtocol());
        assertTrue(new WireException("x", 50001, null).refusesProtocol());
        assertFalse(new WireException("x", 135, null).refusesProtocol(), "not authorized is no protocol refusal");
    }
}
