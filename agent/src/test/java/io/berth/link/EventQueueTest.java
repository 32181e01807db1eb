package io.berth.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventQueueTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] event(int n) {
        return ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void whenFullTheOldestGoAndTheNextSentOneSaysHowMany() throws Exception {
        EventQueue queue = new EventQueue(3);
        for (int i = 1; i <= 5; i++) {
            queue.add(event(i));
        }
        assertEquals(2, queue.dropped());
        List<String> sent = new ArrayList<>();
        queue.flush(() -> true, e -> sent.add(new String(e, StandardCharsets.UTF_8)));
        assertEquals(3, sent.size());
        assertEquals(3, JSON.readTree(sent.get(0)).path("n").asInt(), "the oldest two were dropped");
        assertEquals(2, JSON.readTree(sent.get(0)).path("dropped").asInt());
        assertEquals(false, JSON.readTree(sent.get(1)).has("dropped"), "only the first after the gap says it");
        assertEquals(0, queue.dropped());
        assertEquals(true, queue.isEmpty(), "sent: a delivery has nothing to retry");
    }

    @Test
    void aRefusedSendKeepsTheRestInOrderForTheNextFlush() {
        EventQueue queue = new EventQueue(10);
        assertEquals(true, queue.isEmpty());
        queue.add(event(1));
        assertEquals(false, queue.isEmpty());
        queue.add(event(2));
        List<Integer> sent = new ArrayList<>();
        int[] budget = {1};
        EventQueue.Sender sender = e -> {
            if (budget[0]-- <= 0) {
                throw new WireException("in-flight window full", 32202, null);
            }
            try {
                sent.add(JSON.readTree(e).path("n").asInt());
            } catch (java.io.IOException notJson) {
                throw new AssertionError(notJson);
            }
        };
        queue.flush(() -> true, sender);
        assertEquals(List.of(1), sent);
        budget[0] = 10;
        queue.flush(() -> true, sender);
        assertEquals(List.of(1, 2), sent);
        queue.add(event(3));
        queue.flush(() -> false, sender);
        assertEquals(List.of(1, 2), sent, "nothing while not connected");
    }
}
