package io.berth.engine.http;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(128);
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
                        byte[] bytes = line.toByteArray();
                        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                        line.reset();
                        onLine(new String(bytes, 0, n, StandardCharsets.ISO_8859_1));
                    } else if (line.size() >= LINE_CAP) {
                        throw new HttpException("the engine sent a header line longer than " + LINE_CAP + " bytes");
                    } else {
                        line.write(b);
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
