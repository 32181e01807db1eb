package io.berth.link;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Where a remote command's answer goes and until when it may run (PROTOCOL.md §7). Over MQTT 5
 * the response topic and correlation data are message properties; over 3.1.1 (or from a client
 * that sets none) the body carries {@code "replyTo"} and {@code "correlation"}, and the answer
 * repeats {@code "correlation"}. {@code "expiresAt"} (an ISO-8601 instant) bounds when it may run
 * on either protocol; MQTT 5's message expiry is enforced by the broker before delivery.
 */
record CommandEnvelope(String replyTo, byte[] correlationData, JsonNode correlation, Instant expiresAt,
                       String problem) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static CommandEnvelope of(Wire.Message message) {
        JsonNode body = null;
        try {
            byte[] payload = message.payload();
            body = payload == null || payload.length == 0 ? null : JSON.readTree(payload);
        } catch (IOException e) {
            // the command's handler reports the malformed body; only the MQTT 5 route is known
        }
        String replyTo = message.responseTopic();
        JsonNode correlation = null;
        Instant expiresAt = null;
        String problem = null;
        if (body != null && body.isObject()) {
            if ((replyTo == null || replyTo.isEmpty()) && body.path("replyTo").isTextual()) {
                replyTo = body.path("replyTo").asText();
            }
            correlation = body.get("correlation");
            JsonNode expiry = body.get("expiresAt");
            if (expiry != null && !expiry.isNull()) {
                try {
                    expiresAt = Instant.parse(expiry.asText());
                } catch (DateTimeParseException e) {
                    problem = "'expiresAt' " + expiry + " is not an ISO-8601 instant: write it like "
                            + "2026-12-01T10:00:00Z";
                }
            }
        }
        if (replyTo != null && (replyTo.isEmpty() || replyTo.contains("+") || replyTo.contains("#"))) {
            problem = problem != null ? problem : "the reply topic '" + replyTo + "' is not a topic one can publish to";
            replyTo = null;
        }
        return new CommandEnvelope(replyTo, message.correlation(), correlation, expiresAt, problem);
    }

    /** Past its {@code expiresAt}: answered "expired" and not run (a command queued while the device was away). */
    boolean expired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    /** The answer as sent: the handler's, with the request's {@code "correlation"} repeated when it had one. */
    byte[] answer(byte[] handlerAnswer) {
        if (correlation == null) {
            return handlerAnswer;
        }
        try {
            JsonNode node = JSON.readTree(handlerAnswer);
            if (node instanceof ObjectNode object) {
                object.set("correlation", correlation);
                return JSON.writeValueAsBytes(object);
            }
        } catch (IOException e) {
            // sent as it is
        }
        return handlerAnswer;
    }

    static byte[] refusal(String error) {
        ObjectNode answer = JSON.createObjectNode().put("ok", false).putNull("result").put("error", error);
        return answer.toString().getBytes(StandardCharsets.UTF_8);
    }

    String expiredError(Instant now) {
        return "expired: the command was to run by " + expiresAt + " and arrived at " + now + " (queued while the "
                + "device was away?); it was not run: send it again";
    }
}
