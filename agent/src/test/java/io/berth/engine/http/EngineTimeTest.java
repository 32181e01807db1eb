package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EngineTimeTest {

    /** What {@link Instant#parse} says, as epoch nanoseconds: the answer before the hand-written reader. */
    private static long reference(String text) {
        try {
            Instant at = Instant.parse(text);
            return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
        } catch (DateTimeParseException | ArithmeticException e) {
            return EngineTime.NONE;
        }
    }

    /** Go's RFC3339Nano: trailing zeros of the fraction left out, no fraction when it is zero. */
    private static String goText(Instant at) {
        String text = at.toString(); // groups of three digits
        if (text.contains(".")) {
            text = text.replaceAll("0+Z$", "Z");
        }
        return text;
    }

    @Test
    void sameAsInstantParseForEngineTimestamps() {
        Random random = new Random(17);
        long max = Instant.parse("2262-04-11T23:47:16Z").getEpochSecond(); // about where a long of nanoseconds ends
        long min = Instant.parse("1677-09-21T00:12:44Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            long second = i % 2 == 0 ? min + (long) (random.nextDouble() * (max - min))
                    : 1_700_000_000L + random.nextInt(200_000_000);
            int nano = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(10) * 100_000_000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = goText(Instant.ofEpochSecond(second, nano));
            assertEquals(reference(text), EngineTime.epochNanos(text), text);
        }
    }

    @Test
    void sameAsInstantParseAtTheEdges() {
        for (String text : List.of("1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "2024-02-29T12:00:00Z",
                "2000-02-29T00:00:00.5Z", "2026-11-23T10:00:00.123456789Z", "0000-01-01T00:00:00Z",
                "9999-12-31T23:59:59.1Z", "1677-12-31T23:59:59Z", "1678-01-01T00:00:00Z", "2261-12-31T23:59:59.999999999Z",
                "2262-01-01T00:00:00Z", "2262-04-11T23:47:16.854775807Z", "2262-04-11T23:47:16.854775808Z")) {
            assertEquals(reference(text), EngineTime.epochNanos(text), text);
        }
    }

    @Test
    void whatIsNoEngineTimestampGoesWhereInstantParseSendsIt() {
        // invalid fields, offsets, leap seconds, too many digits, junk: the same answer as Instant.parse
        for (String text : List.of("2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
                "2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T10:60:00Z", "2026-11-23T10:00:60Z",
                "2026-11-23T23:59:60Z", "2026-11-23T10:00:00.1234567891Z", "2026-11-23T10:00:00.Z",
                "2026-11-23T10:00:00+01:00", "2026-11-23T10:00:00.5-02:30", "2026-11-23 10:00:00Z",
                "2026-11-2xT10:00:00Z", "yesterday", "", "+12026-11-23T10:00:00Z", "2026-11-23T10:00:00z")) {
            assertEquals(reference(text), EngineTime.epochNanos(text), text);
        }
    }
}
