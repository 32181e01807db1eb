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

    /** Every way of cutting the bytes into feeds gives the same lines as feeding them whole. */
    @Test
    void everySplitOfTheBytesGivesTheSameLines() {
        String input = "2026-11-23T10:00:00.5Z ab\r\n\n\r\n2026-11-23T10:00:01Z x\u00e9\u20ac\r\r\n"
                + "2026-11-23T10:00:02Z 0123456789abcdef\n7 not a time\n 2026 leading space\ntrailing";
        byte[] b = input.getBytes(StandardCharsets.UTF_8);
        for (int cap : new int[] {4, 9, 23, 1024}) {
            List<String> whole = new ArrayList<>();
            LineSplitter one = new LineSplitter(cap, true, (time, text) -> whole.add(time + "|" + text));
            one.feed(b, 0, b.length);
            one.flush();
            for (int i = 0; i <= b.length; i++) {
                for (int j = i; j <= b.length; j++) {
                    List<String> lines = new ArrayList<>();
                    LineSplitter splitter = new LineSplitter(cap, true, (time, text) -> lines.add(time + "|" + text));
                    splitter.feed(b, 0, i);
                    splitter.feed(b, i, j - i);
                    splitter.feed(b, j, b.length - j);
                    splitter.flush();
                    assertEquals(whole, lines, "cap " + cap + ", split at " + i + " and " + j);
                }
            }
        }
        List<String> wide = split(input, 1024, true, 1);
        assertEquals(List.of("2026-11-23T10:00:00.5Z|ab", "null|", "2026-11-23T10:00:01Z|x\u00e9\u20ac\r",
                "2026-11-23T10:00:02Z|0123456789abcdef", "7|not a time", "null| 2026 leading space", "null|trailing"), wide);
    }

    @Test
    void theCapCountsBytesAndTheMarkerTheRest() {
        // 9 bytes kept: the time, its space and "abc"; the CR counts as cut
        assertEquals(List.of("12:00:00Z|abc…[+4 bytes]", "1|x"), split("12:00:00Z abcdef\r\n1 x\n", 13, true, 5));
        // a multi-byte character cut in the middle decodes to a replacement character, as before
        assertEquals(List.of("null|ab\ufffd…[+1 bytes]"), split("ab\u00e9\n", 3, false, 1));
        // lines longer than the buffer's first size, and the next line after one
        String big = "y".repeat(5000);
        assertEquals(List.of("null|" + big, "null|z"), split(big + "\nz\n", 16 * 1024, false, 700));
    }

    @Test
    void timestampsParseByHand() {
        assertEquals(Instant.parse("2026-11-23T10:00:00.123456789Z"), LineSplitter.instant("2026-11-23T10:00:00.123456789Z"));
        assertEquals(Instant.parse("2026-11-23T10:00:00Z"), LineSplitter.instant("2026-11-23T10:00:00Z"));
        assertEquals(Instant.parse("2026-11-23T10:00:00+02:00"), LineSplitter.instant("2026-11-23T10:00:00+02:00"));
        assertNull(LineSplitter.instant("2026-02-30T10:00:00Z"));
    }
}
