package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineSplitterTest {

    private static List<String> split(String input, int cap, boolean timestamps, int step) {
        List<String> lines = new ArrayList<>();
        LineSplitter splitter = new LineSplitter(cap, timestamps, (time, text) -> lines.add(time + "|" + text));
        byte[] b = input.getBytes(StandardCharsets.UTF_8);
        for (int at = 0; at < b.length; at += step) {
            splitter.feed(b, at, Math.min(step, b.length - at));
        }
        splitter.flush();
        return lines;
    }

    @Test
    void linesAndTimestampsAtEverySplit() {
        String input = "2026-11-23T10:00:00.123456789Z hello world\r\n2026-11-23T10:00:01Z \n"
                + "2026-11-23T10:00:02Z grüße\nno newline at the end";
        for (int step = 1; step < 12; step++) {
            assertEquals(List.of("2026-11-23T10:00:00.123456789Z|hello world", "2026-11-23T10:00:01Z|",
                    "2026-11-23T10:00:02Z|grüße", "null|no newline at the end"), split(input, 1024, true, step));
        }
    }

    @Test
    void withoutTimestampsTheWholeLineIsText() {
        assertEquals(List.of("null|2026-11-23 is a date", "null|"), split("2026-11-23 is a date\n\r\n", 64, false, 3));
    }

    @Test
    void longLinesAreCutAndCounted() {
        assertEquals(List.of("null|abcd…[+6 bytes]", "null|ok"), split("abcdefghij\nok\n", 4, false, 1));
    }

    @Test
    void timestampsParse() {
        assertEquals(Instant.parse("2026-11-23T10:00:00.5Z"), LineSplitter.instant("2026-11-23T10:00:00.5Z"));
        assertNull(LineSplitter.instant("yesterday"));
        assertNull(LineSplitter.instant(null));
    }
}
