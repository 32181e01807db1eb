package io.berth.engine.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EngineProbeTest {
    @Test
    void demultiplexesFramedOutputAndPassesRawOutputThrough() throws Exception {
        ByteArrayOutputStream framed = new ByteArrayOutputStream();
        frame(framed, 1, "out line\n");
        frame(framed, 2, "err line\n");
        assertEquals("out line\nerr line\n", EngineProbe.demultiplex(framed.toByteArray()));
        assertEquals("tty output\n", EngineProbe.demultiplex("tty output\n".getBytes(StandardCharsets.UTF_8)));
    }

    private static void frame(ByteArrayOutputStream out, int stream, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(new byte[] {(byte) stream, 0, 0, 0, 0, 0, 0, (byte) bytes.length});
        out.writeBytes(bytes);
    }
}
