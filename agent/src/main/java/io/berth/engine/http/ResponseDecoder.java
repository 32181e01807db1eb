package io.berth.engine.http;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes one HTTP/1.1 response as its bytes arrive: the status line and headers, then a
 * chunked (RFC 9112 §7.1, trailers skipped), length-delimited or close-delimited body. A
 * {@code 101 Switching Protocols} answer (an attached exec) turns the rest into a raw stream.
 * No I/O of its own: a blocking stream ({@link EngineHttp}) and a selector ({@link LogReader})
 * feed it alike, so there is one chunk decoder for every engine request.
 */
final class ResponseDecoder {

    /** Where the decoded parts go, in order: one head, body bytes, one end. */
    public interface Listener {
        void head(HttpHead head) throws IOException;

        void body(byte[] data, int offset, int length) throws IOException;

        void end() throws IOException;
    }

    static final int LINE_CAP = 64 * 1024;

    private enum Phase { HEAD, SIZE, DATA, DATA_END, TRAILER, LENGTH, UNTIL_CLOSE, DONE }

    private final boolean headRequest;
    private final Listener listener;
    /** The header, chunk-size or trailer line being read (a followed log has a chunk per line: no object per chunk). */
    private byte[] line = new byte[128];
    private int lineSize;
    private final List<String> headLines = new ArrayList<>();
    private Phase phase = Phase.HEAD;
    private long left;

    /** @param headRequest a HEAD request's answer has no body, whatever its headers say */
    public ResponseDecoder(boolean headRequest, Listener listener) {
        this.headRequest = headRequest;
        this.listener = listener;
    }

    /** True once the whole response was decoded. */
    public boolean done() {
        return phase == Phase.DONE;
    }

    /** Decodes {@code length} more bytes; bytes after the end of the response are ignored. */
    public void feed(byte[] data, int offset, int length) throws IOException {
        int at = offset;
        int end = offset + length;
        while (at < end && phase != Phase.DONE) {
            switch (phase) {
                case DATA, LENGTH -> {
                    int n = (int) Math.min(left, end - at);
                    listener.body(data, at, n);
                    at += n;
                    left -= n;
                    if (left == 0) {
                        if (phase == Phase.DATA) {
                            phase = Phase.DATA_END;
                        } else {
                            finish();
                        }
                    }
                }
                case UNTIL_CLOSE -> {
                    listener.body(data, at, end - at);
                    at = end;
                }
                default -> {
                    byte b = data[at++];
                    if (b == '\n') {
                        int n = lineSize > 0 && line[lineSize - 1] == '\r' ? lineSize - 1 : lineSize;
                        lineSize = 0;
                        onLine(n);
                    } else if (lineSize >= LINE_CAP) {
                        throw new HttpException("the engine sent a header line longer than " + LINE_CAP + " bytes");
                    } else {
                        if (lineSize == line.length) {
                            line = Arrays.copyOf(line, Math.min(LINE_CAP, line.length * 2));
                        }
                        line[lineSize++] = b;
                    }
                }
            }
        }
    }

    /** The connection closed: ends a close-delimited body; anywhere else the response was cut short. */
    public void eof() throws IOException {
        if (phase == Phase.UNTIL_CLOSE) {
            finish();
        } else if (phase != Phase.DONE) {
            throw new EOFException(phase == Phase.HEAD ? "the engine closed the connection before it answered"
                    : "the engine closed the connection in the middle of a response");
        }
    }

    /** The line of {@code n} bytes in {@link #line}: chunk sizes and empty lines are read without a String. */
    private void onLine(int n) throws IOException {
        if (phase == Phase.SIZE) {
            long size = hex(n);
            if (size >= 0) {
                left = size;
                phase = left == 0 ? Phase.TRAILER : Phase.DATA;
                return;
            }
        } else if (n == 0 && (phase == Phase.DATA_END || phase == Phase.TRAILER)) {
            onLine("");
            return;
        }
        onLine(new String(line, 0, n, StandardCharsets.ISO_8859_1));
    }

    /** The value of a line of 1–15 hex digits, else -1 (extensions, spaces and errors go the long way). */
    private long hex(int n) {
        if (n < 1 || n > 15) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < n; i++) {
            int digit = Character.digit(line[i], 16);
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }

    private void onLine(String text) throws IOException {
        switch (phase) {
            case HEAD -> {
                if (!text.isEmpty() || headLines.isEmpty()) {
                    if (!text.isEmpty()) {
                        headLines.add(text);
                    }
                    return;
                }
                HttpHead head = HttpHead.parse(headLines);
                listener.head(head);
                String length = head.header("Content-Length");
                int status = head.status();
                if (status == 101) {
                    phase = Phase.UNTIL_CLOSE;
                } else if (headRequest || status == 204 || status == 304 || status / 100 == 1) {
                    finish();
                } else if (head.chunked()) {
                    phase = Phase.SIZE;
                } else if (length != null) {
                    left = parseLong(length, 10, "Content-Length");
                    phase = Phase.LENGTH;
                    if (left == 0) {
                        finish();
                    }
                } else {
                    phase = Phase.UNTIL_CLOSE;
                }
            }
            case SIZE -> {
                int semicolon = text.indexOf(';');
                left = parseLong((semicolon >= 0 ? text.substring(0, semicolon) : text).strip(), 16, "chunk size");
                phase = left == 0 ? Phase.TRAILER : Phase.DATA;
            }
            case DATA_END -> {
                if (!text.isEmpty()) {
                    throw new HttpException("a chunk did not end where its size said");
                }
                phase = Phase.SIZE;
            }
            case TRAILER -> {
                if (text.isEmpty()) {
                    finish();
                }
            }
            default -> throw new IllegalStateException(phase.toString());
        }
    }

    private void finish() throws IOException {
        phase = Phase.DONE;
        listener.end();
    }

    private static long parseLong(String text, int radix, String what) throws HttpException {
        try {
            long value = Long.parseLong(text, radix);
            if (value < 0) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new HttpException("the engine sent a bad " + what + ": '" + text + "'");
        }
    }
}
