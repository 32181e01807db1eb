package io.berth.logs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The rendering before the streaming one: a Jackson tree, times by Instant.toString. */
    private static byte[] tree(String service, String container, List<BufferedLine> lines, long dropped) {
        ObjectNode batch = JSON.createObjectNode();
        batch.put("service", service);
        if (container == null) {
            batch.putNull("container");
        } else {
            batch.put("container", container.length() > 12 ? container.substring(0, 12) : container);
        }
        ArrayNode array = batch.putArray("lines");
        for (BufferedLine p : lines) {
            array.addObject().put("t", BatchJson.instant(p.epochNanos()).toString()).put("stream", p.stream())
                    .put("line", p.line());
        }
        batch.put("dropped", dropped);
        return batch.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static BufferedLine line(long nanos, String stream, String text) {
        return new BufferedLine("web", "0123456789abcdef", nanos, stream, text, text.length());
    }

    @Test
    void timesAreWrittenAsInstantToStringWritesThem() {
        BatchJson json = new BatchJson();
        Random random = new Random(6);
        long span = Long.MAX_VALUE / 1_000_000_000L - 1; // the seconds epoch nanoseconds reach, either way
        for (int i = 0; i < 100_000; i++) {
            long second = i % 3 == 0 ? (long) ((random.nextDouble() * 2 - 1) * span) : 1_790_000_000L + i / 7; // runs of one second
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            long nanos = second * 1_000_000_000L + nano;
            int length = json.format(nanos);
            assertEquals(Instant.ofEpochSecond(second, nano).toString(),
                    new String(json.render("s", "c", List.of(line(nanos, "stdout", "x")), 0), StandardCharsets.UTF_8)
                            .replaceAll(".*\"t\":\"([^\"]*)\".*", "$1"));
            assertEquals(Instant.ofEpochSecond(second, nano).toString().length(), length);
        }
    }

    @Test
    void theSameBytesAsTheTreeRendering() {
        BatchJson json = new BatchJson();
        List<BufferedLine> lines = new ArrayList<>();
        lines.add(line(1_790_000_000_123_000_000L, "stdout", "plain"));
        lines.add(line(1_790_000_000_123_000_001L, "stderr", "quote \" backslash \\ tab \t newline \n bell \u0007"));
        lines.add(line(1_790_000_001_000_000_000L, "stdout", "grüße, ελληνικά, 日本語, del \u007f"));
        lines.add(line(-1L, "stdout", "before the epoch"));
        lines.add(line(Long.MAX_VALUE, "stdout", "the last instant epoch nanoseconds hold"));
        lines.add(line(Long.MIN_VALUE + 1, "stdout", "the first"));
        lines.add(line(1_790_000_002_000_000_000L, "stdout", ""));
        assertArrayEquals(tree("web", "0123456789abcdef", lines, 3), json.render("web", "0123456789abcdef", lines, 3));
        assertArrayEquals(tree("web", null, List.of(), 12), json.render("web", null, List.of(), 12));
        assertArrayEquals(tree("web", "short", lines.subList(0, 1), 0), json.render("web", "short", lines.subList(0, 1), 0));
    }

    @Test
    void charactersOutsideTheBasicPlaneAndLoneSurrogatesAsTheTreeWroteThem() {
        List<BufferedLine> lines = List.of(line(1_790_000_000_000_000_000L, "stdout", "emoji \uD83D\uDE00 end"),
                line(1_790_000_000_000_000_001L, "stdout", "lone \uD83D, \uDE00 and at the end \uD83D"),
                line(1_790_000_000_000_000_002L, "stdout", "\u0000\u001f\u007f\u0080\u07ff\u0800\uffff"));
        assertArrayEquals(tree("web", "c", lines, 0), new BatchJson().render("web", "c", lines, 0));
    }

    @Test
    void aLongLineGrowsTheBufferAndTheNextBatchIsRightToo() {
        BatchJson json = new BatchJson();
        List<BufferedLine> big = List.of(line(1L, "stdout", "\u0001".repeat(100_000)));
        assertArrayEquals(tree("web", "c", big, 0), json.render("web", "c", big, 0));
        List<BufferedLine> small = List.of(line(2L, "stderr", "after"));
        assertArrayEquals(tree("web", "c", small, 1), json.render("web", "c", small, 1));
    }
}
