package io.berth.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a remote command may make the agent hold in memory: bounded, with an answer that says so. */
class RemoteCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aLogsAnswerKeepsTheNewestLinesWithinItsBudgetAndCountsTheRest() {
        RemoteCommands.NewestLines lines = new RemoteCommands.NewestLines(10_000);
        String kilo = "x".repeat(1000);
        for (int i = 0; i < 1000; i++) {
            lines.add("t" + i, "stdout", String.format("%04d", i) + kilo);
        }
        JsonNode answer = lines.answer(JSON.createObjectNode());
        assertEquals(9, answer.path("lines").size(), answer.path("lines").size() + " lines");
        assertEquals(991, answer.path("truncated").asLong());
        assertTrue(answer.path("lines").get(8).path("line").asText().startsWith("0999"), "the newest is kept");
        assertTrue(answer.path("lines").get(0).path("line").asText().startsWith("0991"));
        assertEquals("t999", answer.path("lines").get(8).path("t").asText());
    }

    @Test
    void aSmallTailIsAnsweredWhole() {
        RemoteCommands.NewestLines lines = new RemoteCommands.NewestLines(RemoteCommands.MAX_ANSWER_LINE_CHARS);
        lines.add("t0", "stdout", "one");
        lines.add("t1", "stderr", "two");
        JsonNode answer = lines.answer(JSON.createObjectNode());
        assertEquals("[{\"t\":\"t0\",\"stream\":\"stdout\",\"line\":\"one\"},{\"t\":\"t1\",\"stream\":\"stderr\","
                + "\"line\":\"two\"}]", answer.path("lines").toString());
        assertEquals(0, answer.path("truncated").asLong());
    }

    @Test
    void anOversizedBodyIsRefusedAtOnceWithoutWaitingForTheWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RemoteCommands commands = new RemoteCommands().register("block", body -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        });
        List<byte[]> answers = new ArrayList<>();
        try {
            commands.onCommand("block", new byte[0], answer -> { });
            commands.onCommand("block", new byte[1 << 20], answers::add); // the worker is busy: answered here
            assertEquals(1, answers.size());
            JsonNode answer = JSON.readTree(answers.get(0));
            assertEquals(false, answer.path("ok").asBoolean(true));
            assertTrue(answer.path("error").asText().contains("1048576 bytes; commands take at most 65536"),
                    answer.toString());
        } finally {
            release.countDown();
        }
    }
}
