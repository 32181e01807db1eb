package io.berth.engine.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Cuts one output stream into lines (LF, a CR before it dropped), each at most {@code cap}
 * bytes kept (the rest counted and marked), and splits off the RFC 3339 timestamp the engine
 * puts before each line when asked for {@code timestamps=1}. An empty line (a lone LF) gives
 * nothing. Bytes are copied in bulk, once, into a buffer that grows up to {@code cap}, and each
 * part of a line is decoded straight from it: no per-byte writes, no substring copies.
 */
final class LineSplitter {

    /** One complete line. {@code time} is the engine's timestamp text, or null when the line had none. */
    public interface Listener {
        void line(String time, String text);
    }

    private final int cap;
    private final boolean timestamps;
    private final Listener listener;
    private byte[] bytes = new byte[256];
    private int size;
    private long cut;

    public LineSplitter(int cap, boolean timestamps, Listener listener) {
        this.cap = cap;
        this.timestamps = timestamps;
        this.listener = listener;
    }

    public void feed(byte[] data, int offset, int length) {
        int end = offset + length;
        int at = offset;
        while (at < end) {
            int lf = at;
            while (lf < end && data[lf] != '\n') {
                lf++;
            }
            keep(data, at, lf - at);
            if (lf == end) {
                return;
            }
            flush();
            at = lf + 1;
        }
    }

    /** Keeps what fits under the cap, counts the rest. */
    private void keep(byte[] data, int offset, int length) {
        int n = Math.min(length, cap - size);
        if (n > 0) {
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.min(cap, Math.max(size + n, bytes.length * 2)));
            }
            System.arraycopy(data, offset, bytes, size, n);
            size += n;
        }
        cut += length - Math.max(n, 0);
    }

    /** Ends a last line without a line break (the stream ended). */
    public void flush() {
        if (size == 0 && cut == 0) {
            return;
        }
        int end = size > 0 && bytes[size - 1] == '\r' ? size - 1 : size;
        int start = 0;
        String time = null;
        if (timestamps && end > 0 && bytes[0] >= '0' && bytes[0] <= '9') {
            int space = 1;
            while (space < end && bytes[space] != ' ') {
                space++;
            }
            if (space < end) {
                time = new String(bytes, 0, space, StandardCharsets.UTF_8);
                start = space + 1;
            }
        }
        String text = new String(bytes, start, end - start, StandardCharsets.UTF_8);
        if (cut > 0) {
            text = text + "…[+" + cut + " bytes]";
        }
        size = 0;
        cut = 0;
        if (bytes.length > 4096) {
            bytes = new byte[256]; // one long line does not keep its buffer
        }
        listener.line(time, text);
    }

    /** The instant of an engine timestamp, or null when it is none. */
    public static Instant instant(String time) {
        if (time == null) {
            return null;
        }
        long nanos = EngineTime.epochNanos(time);
        return nanos == EngineTime.NONE ? null
                : Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
