package io.berth.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Renders one log batch (PROTOCOL.md §6) with Jackson's streaming generator: no tree of nodes
 * per line, and each line's time written from epoch nanoseconds by hand, the same text as
 * {@link Instant#toString} (the date and time of a second are kept for the next line of that
 * second). Not thread-safe: the forwarder renders under its lock.
 */
final class BatchJson {
    private static final JsonFactory JSON = new JsonFactory();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    private final char[] time = new char[30];
    /** The second whose {@code YYYY-MM-DDTHH:MM:SS} is in {@code time}, or {@code Long.MIN_VALUE}. */
    private long second = Long.MIN_VALUE;

    /** The batch's JSON; {@code container} null for a batch that only carries a dropped count. */
    byte[] render(String service, String container, List<BufferedLine> lines, long dropped) {
        out.reset();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("service", service);
            if (container == null) {
                g.writeNullField("container");
            } else {
                g.writeStringField("container", container.length() > 12 ? container.substring(0, 12) : container);
            }
            g.writeArrayFieldStart("lines");
            for (BufferedLine p : lines) {
                g.writeStartObject();
                g.writeFieldName("t");
                g.writeString(time, 0, format(p.epochNanos()));
                g.writeStringField("stream", p.stream());
                g.writeStringField("line", p.line());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("dropped", dropped);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        byte[] batch = out.toByteArray();
        if (out.size() > 256 * 1024) {
            out.reset(); // a batch of long lines does not keep its buffer (the stream cannot shrink)
        }
        return batch;
    }

    static Instant instant(long epochNanos) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
    }

    /**
     * Writes the time as {@link Instant#toString} does into {@link #time} (the fraction in groups
     * of three digits, none when zero) and returns its length. Epoch nanoseconds in a long
     * span the years 1677–2262: always four digits.
     */
    int format(long epochNanos) {
        long s = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nano = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        if (s != second) {
            LocalDateTime t = LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC);
            put(0, t.getYear(), 4);
            time[4] = '-';
            put(5, t.getMonthValue(), 2);
            time[7] = '-';
            put(8, t.getDayOfMonth(), 2);
            time[10] = 'T';
            put(11, t.getHour(), 2);
            time[13] = ':';
            put(14, t.getMinute(), 2);
            time[16] = ':';
            put(17, t.getSecond(), 2);
            second = s;
        }
        int at = 19;
        if (nano != 0) {
            int digits = nano % 1_000_000 == 0 ? 3 : nano % 1000 == 0 ? 6 : 9;
            time[at++] = '.';
            put(at, digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1000 : nano, digits);
            at += digits;
        }
        time[at++] = 'Z';
        return at;
    }

    private void put(int at, int value, int digits) {
        for (int i = at + digits - 1; i >= at; i--) {
            time[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }
}
