package io.berth.logs;

/**
 * A line waiting in the forwarder's buffer. The time is kept as epoch nanoseconds rather than
 * an {@link java.time.Instant}: one object less per line, which adds up in a buffer of tens of
 * thousands of lines. {@code bytes} is the text's length, what batches are bounded by.
 */
record BufferedLine(String service, String container, long epochNanos, String stream, String line, int bytes) {

    /**
     * Heap bytes a buffered line takes besides its text, so that {@code logs.bufferBytes} bounds
     * memory rather than only text: this record (40), the line's {@code String} (24) and its
     * array header (16), the deque slot and padding. Measured with a class histogram,
     * 45-character lines filling a 2 MiB buffer: 14,873 lines in 1.9 MiB of heap. Counting only
     * the text (as before) let 46,603 such lines in, about 7 MiB of heap for a "2 MiB" buffer.
     */
    static final int LINE_OVERHEAD = 96;

    /** What the line takes in the Java heap: its text plus the per-line objects. */
    long cost() {
        return bytes + LINE_OVERHEAD;
    }
}
