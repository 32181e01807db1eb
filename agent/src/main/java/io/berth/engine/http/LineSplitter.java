package io.berth.engine.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Cuts one output stream into lines (LF, a CR before it dropped), each at most {@code cap}
 * bytes kept (the rest counted and marked), and splits off the RFC 3339 timestamp the engine
 * puts before each line when asked for {@code timestamps=1}.
 */
final class LineSplitter {

    /** One complete line. {@code time} is the engine's timestamp text, or null when the line had none. */
    public interface Listener {
        void line(String time, String text);
    }

    private final int cap;
    private final boolean timestamps;
    private final Listener listener;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    private long cut;

    public LineSplitter(int cap, boolean timestamps, Listener listener) {
        this.cap = cap;
        this.timestamps = timestamps;
        this.listener = listener;
    }

    public void feed(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = data[i];
            if (b == '\n') {
                flush();
            } else if (bytes.size() < cap) {
                bytes.write(b);
            } else {
                cut++;
            }
        }
    }

    /** Ends a last line without a line break (the stream ended). */
    public void flush() {
        if (bytes.size() == 0 && cut == 0) {
            return;
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        bytes.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (cut > 0) {
            text = text + "…[+" + cut + " bytes]";
            cut = 0;
        }
        String time = null;
        int space = text.indexOf(' ');
        if (timestamps && space > 0 && Character.isDigit(text.charAt(0))) {
            time = text.substring(0, space);
            text = text.substring(space + 1);
        }
        listener.line(time, text);
    }

    /** The instant of an engine timestamp, or null when it is none. */
    public static Instant instant(String time) {
        if (time == null) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
