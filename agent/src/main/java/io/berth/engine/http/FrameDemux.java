package io.berth.engine.http;

import java.io.IOException;

/**
 * Splits the engine's attach/log stream into stdout and stderr. Without a TTY the engine frames
 * output (8-byte headers: stream 0/1/2, three zero bytes, a big-endian length); with one it
 * sends raw bytes, which are all stdout. The mode is given, or found from the first bytes.
 */
public final class FrameDemux {

    /** Bytes of one stream: 1 stdout (0, stdin, counts as stdout), 2 stderr. */
    public interface Listener {
        void output(int stream, byte[] data, int offset, int length) throws IOException;
    }

    public enum Mode { FRAMED, RAW, DETECT }

    public static final int STDOUT = 1;
    public static final int STDERR = 2;

    private final Listener listener;
    private Boolean framed;
    private final byte[] header = new byte[8];
    private int headerFill;
    private long frameLeft;
    private int frameStream = STDOUT;

    public FrameDemux(Mode mode, Listener listener) {
        this.listener = listener;
        this.framed = mode == Mode.DETECT ? null : mode == Mode.FRAMED;
    }

    public void feed(byte[] data, int offset, int length) throws IOException {
        int at = offset;
        int end = offset + length;
        while (at < end) {
            if (framed == null) {
                header[headerFill++] = data[at++];
                if (headerFill == 4 || !looksLikeFrame()) {
                    framed = looksLikeFrame();
                    if (!framed) {
                        int fill = headerFill;
                        headerFill = 0;
                        listener.output(STDOUT, header.clone(), 0, fill);
                    }
                }
            } else if (!framed) {
                listener.output(STDOUT, data, at, end - at);
                at = end;
            } else if (frameLeft == 0) {
                header[headerFill++] = data[at++];
                if (headerFill == 8) {
                    frameStream = header[0] == STDERR ? STDERR : STDOUT;
                    frameLeft = ((header[4] & 0xffL) << 24) | ((header[5] & 0xffL) << 16)
                            | ((header[6] & 0xffL) << 8) | (header[7] & 0xffL);
                    headerFill = 0;
                }
            } else {
                int n = (int) Math.min(frameLeft, end - at);
                listener.output(frameStream, data, at, n);
                at += n;
                frameLeft -= n;
            }
        }
    }

    private boolean looksLikeFrame() {
        if (header[0] < 0 || header[0] > 2) {
            return false;
        }
        for (int i = 1; i < Math.min(headerFill, 4); i++) {
            if (header[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
