package io.berth.engine.http;

import io.berth.engine.LogQuery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.tinylog.Logger;

/**
 * Reads container logs over the engine's HTTP API with one selector thread for every read,
 * however many containers are followed: the agent's forwarder and every {@code berth logs} or
 * MQTT {@code logs} command share it. Each read is one non-blocking connection doing
 * {@code GET /containers/ID/logs?…}, decoded by {@link ResponseDecoder}, {@link FrameDemux}
 * and {@link LineSplitter}.
 */
public final class LogReader implements AutoCloseable {

    /** Longest line kept in memory; the rest is counted and marked. */
    public static final int LINE_CAP = 16 * 1024;

    /** Where one read's lines go. Called on the reader thread: return quickly. */
    public interface Sink {
        /** One line; {@code stream} is stdout or stderr, {@code time} the engine's timestamp text or null. */
        void line(String stream, String time, String text);

        /**
         * Called once at the end: {@code problem} null when the log simply ended (or the read was
         * closed); {@code refused} when the engine answered an error (a log driver without reads).
         */
        void ended(String problem, boolean refused);
    }

    private final EngineHttp engine;
    private final Selector selector;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Set<Read> reads = new HashSet<>(); // reader thread only
    private final AtomicInteger count = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closed;

    public LogReader(EngineHttp engine) throws IOException {
        this.engine = engine;
        this.selector = Selector.open();
        this.thread = new Thread(this::run, "berth-logs");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** The request path of a log read, as {@code docker logs} asks: always both streams, with timestamps. */
    public static String path(String containerId, LogQuery query) {
        StringBuilder path = new StringBuilder("/containers/").append(containerId)
                .append("/logs?stdout=1&stderr=1&timestamps=1");
        if (query.follow()) {
            path.append("&follow=1");
        }
        if (query.tail() >= 0) {
            path.append("&tail=").append(query.tail());
        }
        if (query.since() > 0) {
            path.append("&since=").append(query.since());
        }
        if (query.until() > 0) {
            path.append("&until=").append(query.until());
        }
        return path.toString();
    }

    /** Starts a read of {@code path}; close the result to stop it (the sink then hears {@code ended(null)}). */
    public AutoCloseable read(String path, Sink sink) {
        Read read = new Read(sink);
        submit(() -> read.start(path));
        return () -> submit(() -> finish(read, null, false));
    }

    /** How many reads are open now. */
    public int open() {
        return count.get();
    }

    private void submit(Runnable task) {
        if (closed) {
            return;
        }
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
                if (key.isValid()) {
                    ((Read) key.attachment()).readable(buffer);
                }
            }
            selector.selectedKeys().clear();
        }
        for (Read read : Set.copyOf(reads)) {
            finish(read, null, false);
        }
    }

    private void finish(Read read, String problem, boolean refused) {
        reads.remove(read);
        count.set(reads.size());
        read.close();
        if (!read.told) {
            read.told = true;
            read.sink.ended(problem, refused);
        }
    }

    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
            selector.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            Logger.debug("closing the log selector: {}", e.toString());
        }
    }

    /** One read: the connection and its decoders. */
    private final class Read implements ResponseDecoder.Listener {
        final Sink sink;
        SocketChannel channel;
        SelectionKey key;
        boolean told;
        private final ResponseDecoder decoder = new ResponseDecoder(false, this);
        private final LineSplitter stdout;
        private final LineSplitter stderr;
        private final FrameDemux demux;
        private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();
        private int status;

        Read(Sink sink) {
            this.sink = sink;
            this.stdout = new LineSplitter(LINE_CAP, true, (time, text) -> sink.line("stdout", time, text));
            this.stderr = new LineSplitter(LINE_CAP, true, (time, text) -> sink.line("stderr", time, text));
            this.demux = new FrameDemux(FrameDemux.Mode.DETECT,
                    (stream, data, off, len) -> (stream == FrameDemux.STDERR ? stderr : stdout).feed(data, off, len));
        }

        void start(String path) {
            try {
                channel = engine.connect();
                EngineChannels.writeFully(channel, ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: docker\r\n"
                        + "User-Agent: berth\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                channel.configureBlocking(false);
                key = channel.register(selector, SelectionKey.OP_READ, this);
                reads.add(this);
                count.set(reads.size());
            } catch (IOException e) {
                finish(this, e.getMessage(), false);
            }
        }

        void readable(ByteBuffer buffer) {
            buffer.clear();
            try {
                int n = channel.read(buffer);
                if (n < 0) {
                    decoder.eof();
                    return;
                }
                decoder.feed(buffer.array(), 0, n);
            } catch (IOException | RuntimeException e) {
                finish(this, "the log stream broke: " + e.getMessage(), false);
            }
        }

        @Override
        public void head(HttpHead head) {
            status = head.status();
        }

        @Override
        public void body(byte[] data, int offset, int length) throws IOException {
            if (status == 200) {
                demux.feed(data, offset, length);
            } else if (errorBody.size() < 4096) {
                errorBody.write(data, offset, Math.min(length, 4096 - errorBody.size()));
            }
        }

        @Override
        public void end() {
            stdout.flush();
            stderr.flush();
            if (status != 200) {
                finish(this, "the engine refused to give the logs (HTTP " + status + "): "
                        + EngineErrors.message(errorBody.toByteArray()), true);
            } else {
                finish(this, null, false);
            }
        }

        void close() {
            if (key != null) {
                key.cancel();
            }
            if (channel != null) {
                EngineChannels.closeQuietly(channel);
            }
        }
    }
}
