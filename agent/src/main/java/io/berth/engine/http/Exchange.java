package io.berth.engine.http;

import io.berth.engine.EngineSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One request on its own connection, after its head was read: the decoded body as a stream,
 * and, for an upgraded connection, the way back in. Reads and writes use the channel directly
 * (not {@code Channels} streams, which would serialise them), so an exec can read and write at
 * once from two threads.
 */
public final class Exchange implements EngineSocket.Upgraded, AutoCloseable {
    private final SocketChannel channel;
    private final ByteBuffer raw = ByteBuffer.allocate(16 * 1024);
    private final ByteArrayOutputStream decoded = new ByteArrayOutputStream(16 * 1024);
    private final ResponseDecoder decoder;
    private final Body body = new Body();
    private HttpHead head;
    private boolean ended;

    Exchange(SocketChannel channel, boolean headRequest) throws IOException {
        this.channel = channel;
        this.decoder = new ResponseDecoder(headRequest, new ResponseDecoder.Listener() {
            @Override
            public void head(HttpHead h) {
                head = h;
            }

            @Override
            public void body(byte[] data, int offset, int length) {
                decoded.write(data, offset, length);
            }

            @Override
            public void end() {
                ended = true;
            }
        });
        while (head == null) {
            if (!readMore()) {
                decoder.eof(); // throws: no head
            }
        }
        body.take();
    }

    public HttpHead head() {
        return head;
    }

    /** The decoded body; ends with the response (or the connection, for an upgraded one). */
    public InputStream body() {
        return body;
    }

    @Override
    public InputStream output() {
        return body;
    }

    /** One more read from the connection into the decoder; false at its end. */
    private boolean readMore() throws IOException {
        raw.clear();
        int n = channel.read(raw);
        if (n < 0) {
            return false;
        }
        decoder.feed(raw.array(), 0, n);
        return true;
    }

    @Override
    public void write(byte[] data, int offset, int length) throws IOException {
        EngineChannels.writeFully(channel, ByteBuffer.wrap(data, offset, length));
    }

    @Override
    public void closeInput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() {
        EngineChannels.closeQuietly(channel);
    }

    private final class Body extends InputStream {
        private byte[] pending = new byte[0];
        private int at;

        void take() {
            pending = decoded.toByteArray();
            decoded.reset();
            at = 0;
        }

        private boolean fill() throws IOException {
            while (at >= pending.length) {
                if (ended) {
                    return false;
                }
                if (!readMore()) {
                    decoder.eof();
                    ended = true;
                }
                take();
            }
            return true;
        }

        @Override
        public int read() throws IOException {
            return fill() ? pending[at++] & 0xff : -1;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!fill()) {
                return -1;
            }
            int n = Math.min(len, pending.length - at);
            System.arraycopy(pending, at, buf, off, n);
            at += n;
            return n;
        }

        @Override
        public int available() {
            return pending.length - at;
        }

        @Override
        public void close() {
            Exchange.this.close();
        }
    }
}
