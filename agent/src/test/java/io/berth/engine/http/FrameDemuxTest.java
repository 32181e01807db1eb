package io.berth.engine.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameDemuxTest {

    static void frame(ByteArrayOutputStream out, int stream, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(stream);
        out.write(0);
        out.write(0);
        out.write(0);
        out.write(bytes.length >>> 24);
        out.write(bytes.length >>> 16);
        out.write(bytes.length >>> 8);
        out.write(bytes.length);
        out.writeBytes(bytes);
    }

    private static String[] demux(byte[] input, FrameDemux.Mode mode, int step) throws IOException {
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        FrameDemux demux = new FrameDemux(mode, (stream, data, off, len) ->
                (stream == FrameDemux.STDERR ? err : out).append(new String(data, off, len, StandardCharsets.UTF_8)));
        for (int at = 0; at < input.length; at += step) {
            demux.feed(input, at, Math.min(step, input.length - at));
        }
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void framesGoToTheirStreamsAtEverySplit() throws IOException {
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        frame(framed, 1, "out line\n");
        frame(framed, 2, "err line\n");
        frame(framed, 1, "");
        frame(framed, 0, "stdin echo\n");
        for (int step = 1; step <= framed.size(); step++) {
            for (FrameDemux.Mode mode : new FrameDemux.Mode[] {FrameDemux.Mode.DETECT, FrameDemux.Mode.FRAMED}) {
                String[] got = demux(framed.toByteArray(), mode, step);
                assertEquals("out line\nstdin echo\n", got[0], mode + " split every " + step);
                assertEquals("err line\n", got[1]);
            }
        }
    }

    @Test
    void rawOutputOfATtyPassesThrough() throws IOException {
        byte[] tty = "tty output\n\u0001 not a frame".getBytes(StandardCharsets.UTF_8);
        for (int step = 1; step <= tty.length; step++) {
            assertEquals("tty output\n\u0001 not a frame", demux(tty, FrameDemux.Mode.DETECT, step)[0]);
        }
        // a TTY's output that happens to start like a frame header is still raw when the caller knows
        byte[] lookalike = {1, 0, 0, 0, 'x'};
        assertEquals("\u0001\u0000\u0000\u0000x", demux(lookalike, FrameDemux.Mode.RAW, 2)[0]);
    }
}
