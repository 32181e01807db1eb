package io.berth.engine.docker;

import io.berth.engine.LogStreams;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * Follows container logs over the engine's HTTP API on its unix socket with one selector
 * thread for every container, instead of docker-java's thread per follow. Each followed
 * container is one non-blocking connection doing {@code GET /containers/ID/logs?follow=1
 * &timestamps=1}; the reader decodes HTTP chunking, the engine's 8-byte stream frames (or raw
 * bytes for a TTY) and splits lines.
 */
final class DockerLogStreams implements LogStreams {

    /** Longest line kept in memory; the rest is counted and marked. */
    static final int LINE_CAP = 16 * 1024;
    private static final int HEAD_CAP = 16 * 1024;

    private final Path socket;
    private final Sink sink;
    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Map<String, Stream> streams = new HashMap<>(); // reader thread only
    private final AtomicInteger count = new AtomicInteger();
    private final Thread reader;
    private volatile boolean closed;

    DockerLogStreams(String dockerHost, Sink sink) throws IOException {
        URI uri = URI.create(dockerHost);
        if (!"unix".equals(uri.getScheme())) {
            throw new IOException("following logs needs the engine's unix socket; " + dockerHost + " is not one");
        }
        this.socket = Path.of(uri.getPath());
        this.sink = sink;
        this.selector = Selector.open();
        this.reader = new Thread(this::run, "berth-logs");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    @Override
    public void follow(String containerId, String service, Instant since) {
        submit(() -> {
            if (streams.containsKey(containerId)) {
                return;
            }
            try {
                Stream stream = new Stream(containerId, service);
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                channel.connect(UnixDomainSocketAddress.of(socket));
                String request = "GET /containers/" + containerId + "/logs?follow=1&stdout=1&stderr=1&timestamps=1"
                        + "&since=" + since.getEpochSecond() + "." + String.format("%09d", since.getNano())
                        + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                channel.configureBlocking(false);
                stream.channel = channel;
                stream.key = channel.register(selector, SelectionKey.OP_READ, stream);
                streams.put(containerId, stream);
                count.set(streams.size());
            } catch (IOException e) {
                sink.ended(containerId, "cannot reach the engine at " + socket + ": " + e.getMessage());
            }
        });
    }

    @Override
    public void unfollow(String containerId) {
        submit(() -> {
            Stream stream = streams.remove(containerId);
            if (stream != null) {
                stream.close();
            }
            count.set(streams.size());
        });
    }

    @Override
    public int following() {
        return count.get();
    }

    private void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void run() {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        while (!closed) {
            try {
                selector.select();
            } catch (IOException e) {
                Logger.error(e, "the log reader's selector failed");
                return;
            }
            for (Runnable task; (task = tasks.poll()) != null; ) {
                task.run();
            }
            for (SelectionKey key : selector.selectedKeys()) {
                Stream stream = (Stream) key.attachment();
                if (!key.isValid()) {
                    continue;
                }
                buffer.clear();
                int read;
                try {
                    read = stream.channel.read(buffer);
                } catch (IOException e) {
                    end(stream, "the engine closed the log stream: " + e.getMessage());
                    continue;
                }
                if (read < 0) {
                    stream.finish();
                    end(stream, "the log stream ended");
                    continue;
                }
                buffer.flip();
                try {
                    stream.feed(buffer);
                } catch (RuntimeException e) {
                    Logger.warn(e, "cannot read the log stream of {}", stream.containerId);
                    end(stream, "unreadable log stream: " + e.getMessage());
                }
            }
            selector.selectedKeys().clear();
        }
        streams.values().forEach(Stream::close);
        streams.clear();
    }

    private void end(Stream stream, String reason) {
        streams.remove(stream.containerId, stream);
        count.set(streams.size());
        stream.close();
        if (stream.refusal != null) {
            sink.refused(stream.containerId, stream.refusal);
        } else {
            sink.ended(stream.containerId, reason);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            reader.join(2000);
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            Logger.debug("closing the log selector: {}", e.toString());
        }
    }

    /** One followed container: HTTP response, chunking, stream frames, lines. */
    private final class Stream {
        final String containerId;
        final String service;
        SocketChannel channel;
        SelectionKey key;
        String refusal;

        private final ByteArrayOutputStream head = new ByteArrayOutputStream();
        private boolean inBody;
        private int status;
        private boolean chunked;
        private long chunkLeft = -1; // -1: reading a size line
        private final StringBuilder sizeLine = new StringBuilder();
        private int crlfLeft;
        private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();

        private Boolean multiplexed; // null until the first bytes tell
        private final byte[] frameHeader = new byte[8];
        private int frameHeaderFill;
        private long frameLeft;
        private int frameStream;
        private final Line stdout = new Line("stdout");
        private final Line stderr = new Line("stderr");

        Stream(String containerId, String service) {
            this.containerId = containerId;
            this.service = service;
        }

        void feed(ByteBuffer in) {
            while (in.hasRemaining()) {
                if (!inBody) {
                    readHead(in);
                } else if (chunked) {
                    readChunked(in);
                } else {
                    body(in, in.remaining());
                }
            }
        }

        private void readHead(ByteBuffer in) {
            while (in.hasRemaining() && !inBody) {
                head.write(in.get());
                byte[] h = head.toByteArray();
                int n = h.length;
                if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                    String text = new String(h, StandardCharsets.ISO_8859_1);
                    String[] lines = text.split("\r\n");
                    String[] statusLine = lines[0].split(" ", 3);
                    status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : 0;
                    for (String line : lines) {
                        if (line.toLowerCase().startsWith("transfer-encoding:") && line.toLowerCase().contains("chunked")) {
                            chunked = true;
                        }
                    }
                    inBody = true;
                } else if (n > HEAD_CAP) {
                    throw new IllegalStateException("the engine's response header is too long");
                }
            }
        }

        private void readChunked(ByteBuffer in) {
            while (in.hasRemaining()) {
                if (crlfLeft > 0) {
                    in.get();
                    crlfLeft--;
                } else if (chunkLeft < 0) {
                    char c = (char) in.get();
                    if (c == '\n') {
                        String size = sizeLine.toString().trim();
                        int semicolon = size.indexOf(';');
                        chunkLeft = Long.parseLong(semicolon >= 0 ? size.substring(0, semicolon) : size, 16);
                        sizeLine.setLength(0);
                        if (chunkLeft == 0) {
                            finish();
                            in.position(in.limit());
                            return;
                        }
                    } else if (c != '\r') {
                        sizeLine.append(c);
                    }
                } else {
                    int n = (int) Math.min(chunkLeft, in.remaining());
                    body(in, n);
                    chunkLeft -= n;
                    if (chunkLeft == 0) {
                        chunkLeft = -1;
                        crlfLeft = 2;
                    }
                }
            }
        }

        /** {@code n} bytes of the response body. */
        private void body(ByteBuffer in, int n) {
            if (status != 200) {
                for (int i = 0; i < n; i++) {
                    byte b = in.get();
                    if (errorBody.size() < 4096) {
                        errorBody.write(b);
                    }
                }
                return;
            }
            for (int i = 0; i < n; i++) {
                frameByte(in.get());
            }
        }

        private void frameByte(byte b) {
            if (multiplexed == null) {
                frameHeader[frameHeaderFill++] = b;
                if (frameHeaderFill == 4 || (frameHeaderFill < 4 && !looksLikeFrame())) {
                    multiplexed = looksLikeFrame();
                    if (!multiplexed) {
                        // a TTY: raw bytes, all stdout
                        int fill = frameHeaderFill;
                        frameHeaderFill = 0;
                        for (int i = 0; i < fill; i++) {
                            stdout.add(frameHeader[i]);
                        }
                    }
                }
                return;
            }
            if (!multiplexed) {
                stdout.add(b);
                return;
            }
            if (frameLeft == 0) {
                frameHeader[frameHeaderFill++] = b;
                if (frameHeaderFill == 8) {
                    frameStream = frameHeader[0];
                    frameLeft = ((frameHeader[4] & 0xffL) << 24) | ((frameHeader[5] & 0xffL) << 16)
                            | ((frameHeader[6] & 0xffL) << 8) | (frameHeader[7] & 0xffL);
                    frameHeaderFill = 0;
                }
                return;
            }
            (frameStream == 2 ? stderr : stdout).add(b);
            frameLeft--;
        }

        private boolean looksLikeFrame() {
            if (frameHeader[0] > 2 || frameHeader[0] < 0) {
                return false;
            }
            for (int i = 1; i < frameHeaderFill; i++) {
                if (frameHeader[i] != 0) {
                    return false;
                }
            }
            return true;
        }

        /** The response ended: flush partial lines, note a refusal. */
        void finish() {
            if (status != 0 && status != 200 && refusal == null) {
                String body = errorBody.toString(StandardCharsets.UTF_8);
                int at = body.indexOf("\"message\":\"");
                String message = at >= 0 ? body.substring(at + 11, Math.max(at + 11, body.lastIndexOf('"'))) : body;
                refusal = "the engine refused to give the logs (HTTP " + status + "): " + message.strip();
            }
            stdout.flush();
            stderr.flush();
        }

        void close() {
            if (key != null) {
                key.cancel();
            }
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing anyway
            }
        }

        /** The bytes of one stream up to the next newline. */
        private final class Line {
            private final String name;
            private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            private long cut;

            Line(String name) {
                this.name = name;
            }

            void add(byte b) {
                if (b == '\n') {
                    flush();
                } else if (bytes.size() < LINE_CAP) {
                    bytes.write(b);
                } else {
                    cut++;
                }
            }

            void flush() {
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
                Instant time = null;
                int space = text.indexOf(' ');
                if (space > 0) {
                    try {
                        time = Instant.parse(text.substring(0, space));
                        text = text.substring(space + 1);
                    } catch (DateTimeParseException notATimestamp) {
                        // keep the whole line
                    }
                }
                sink.line(containerId, service, time == null ? Instant.now() : time, name, text);
            }
        }
    }
}
