package io.berth.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * The agent's control socket: a unix socket (mode 0660, group {@code berth} where that group
 * exists: see {@link SocketAccess}; its directory created if missing), one
 * acceptor thread and a small fixed pool of workers. A client that sends garbage gets an error
 * line; one that sends too much or hangs is cut off; when all workers are busy a new client is
 * told so at once. Nothing a client does reaches the agent except through the {@link Handler}.
 */
public final class ControlServer implements AutoCloseable {
    static final int WORKERS = 8;
    private static final int QUEUE = 8;

    private final Path socket;
    private final Handler handler;
    private final ScheduledExecutorService timer;
    private final ThreadPoolExecutor workers;
    private final java.time.Duration ioTimeout;
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean closed;
    /** Bytes of the requests being read or served now, all workers together ({@link Protocol#READING_BUDGET_BYTES}). */
    private final AtomicLong reading = new AtomicLong();

    /** @param timer cuts off clients that hang (shared with the agent; only short tasks run on it) */
    public ControlServer(Path socket, Handler handler, ScheduledExecutorService timer) {
        this(socket, handler, timer, Protocol.IO_TIMEOUT);
    }

    ControlServer(Path socket, Handler handler, ScheduledExecutorService timer, java.time.Duration ioTimeout) {
        this.ioTimeout = ioTimeout;
        this.socket = socket;
        this.handler = handler;
        this.timer = timer;
        AtomicInteger n = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                r -> {
                    Thread t = new Thread(r, "berth-api-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.workers.allowCoreThreadTimeOut(true);
    }

    public Path socket() {
        return socket;
    }

    /** Binds the socket and starts accepting; fails when another agent already serves it. */
    public void start() throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        }
        if (Files.exists(socket)) {
            try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                throw new IOException("another agent already serves the control socket " + socket
                        + "; stop it first, or set BERTH_SOCKET to another path");
            } catch (IOException stale) {
                if (stale.getMessage() != null && stale.getMessage().startsWith("another agent")) {
                    throw stale;
                }
                Files.deleteIfExists(socket); // left over from an agent that did not stop cleanly
            }
        }
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 16);
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        SocketAccess.shareWithGroup(socket);
        acceptor = new Thread(this::acceptLoop, "berth-api-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        Logger.info("control socket: {}", socket);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    Logger.warn("control socket: accept failed: {}", e.getMessage());
                }
                continue;
            }
            try {
                workers.execute(() -> serve(channel));
            } catch (RejectedExecutionException busy) {
                Connection c = new Connection(channel);
                try {
                    c.writeLine(error("the agent is busy serving other clients; try again in a moment"));
                } catch (IOException ignored) {
                    // the client is gone anyway
                }
                c.close();
            }
        }
    }

    private void serve(SocketChannel channel) {
        Connection c = new Connection(channel);
        try {
            Request request = c.readRequest();
            if (request == null) {
                return;
            }
            String refused = SocketAccess.refusal(request.verb(), request.root());
            if (refused != null) {
                c.error(refused);
                return;
            }
            try {
                handler.handle(request, c);
                if (!c.answered) {
                    c.ok(null);
                }
            } catch (IOException e) {
                if (!c.answered && channel.isOpen()) {
                    c.error(e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                Logger.warn(e, "control socket: '{}' failed", request.verb());
                if (!c.answered) {
                    c.error("the agent failed to serve '" + request.verb() + "': " + e);
                }
            }
        } catch (IOException e) {
            Logger.debug("control socket: client dropped: {}", e.toString());
        } finally {
            reading.addAndGet(-c.held);
            c.close();
        }
    }

    private static ObjectNode error(String message) {
        ObjectNode node = Protocol.JSON.createObjectNode();
        node.put("ok", false);
        node.put("error", message);
        return node;
    }

    /** One client: reads its request, writes frames, each within {@link Protocol#IO_TIMEOUT}. */
    private final class Connection implements Reply {
        private final SocketChannel channel;
        private volatile boolean answered;
        /** Bytes of the request counted in {@link #reading} until it is served. */
        private long held;

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        /** What the client sent after its request line, read with the request. */
        private ByteBuffer leftover = ByteBuffer.allocate(0);

        Request readRequest() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            ScheduledFuture<?> cut = deadline();
            try {
                outer:
                while (true) {
                    buffer.clear();
                    int n = channel.read(buffer);
                    if (n < 0) {
                        if (line.size() == 0) {
                            return null; // connected and left: a liveness probe
                        }
                        break;
                    }
                    held += n;
                    if (reading.addAndGet(n) > Protocol.READING_BUDGET_BYTES) {
                        writeLine(ControlServer.error("the agent is reading other large requests: try again"));
                        return null;
                    }
                    for (int i = 0; i < n; i++) {
                        byte b = buffer.get(i);
                        if (b == '\n') {
                            leftover = ByteBuffer.wrap(java.util.Arrays.copyOfRange(buffer.array(), i + 1, n));
                            break outer;
                        }
                        line.write(b);
                    }
                    if (line.size() > Protocol.MAX_REQUEST_BYTES) {
                        writeLine(ControlServer.error("request larger than " + Protocol.MAX_REQUEST_BYTES
                                + " bytes"));
                        return null;
                    }
                }
            } catch (ClosedChannelException timedOut) {
                return null;
            } finally {
                cut.cancel(false);
            }
            JsonNode tree;
            try {
                tree = Protocol.JSON.readTree(line.toByteArray());
            } catch (IOException e) {
                tree = null;
            }
            if (tree == null || !tree.isObject() || !tree.path("verb").isTextual()) {
                writeLine(ControlServer.error("not a request: send one line of JSON {\"verb\":…,\"args\":{…}}"));
                return null;
            }
            JsonNode args = tree.path("args");
            return new Request(tree.get("verb").asText(), args.isObject() ? args : Protocol.JSON.createObjectNode(),
                    new Body(), SocketAccess.peerIsRoot(channel));
        }

        /** The bytes after the request line: each read must come within the I/O timeout. */
        private final class Body extends java.io.InputStream {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (leftover.hasRemaining()) {
                    int n = Math.min(len, leftover.remaining());
                    leftover.get(b, off, n);
                    return n;
                }
                ScheduledFuture<?> cut = deadline();
                try {
                    return channel.read(ByteBuffer.wrap(b, off, len));
                } catch (ClosedChannelException timedOut) {
                    throw new IOException("the client stopped sending for " + ioTimeout.toSeconds() + " s");
                } finally {
                    cut.cancel(false);
                }
            }
        }

        private ScheduledFuture<?> deadline() {
            return timer.schedule(this::close, ioTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        synchronized void writeLine(JsonNode node) throws IOException {
            byte[] bytes = (Protocol.JSON.writeValueAsString(node) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            ScheduledFuture<?> cut = deadline();
            try {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            } finally {
                cut.cancel(false);
            }
        }

        @Override
        public void frame(JsonNode frame) throws IOException {
            if (answered) {
                throw new IOException("already answered");
            }
            writeLine(frame);
        }

        @Override
        public void ok(JsonNode result) throws IOException {
            ObjectNode node = Protocol.JSON.createObjectNode();
            node.put("ok", true);
            node.set("result", result);
            answered = true;
            writeLine(node);
        }

        @Override
        public void error(String message) throws IOException {
            answered = true;
            writeLine(ControlServer.error(message));
        }

        @Override
        public void refuse(String message, JsonNode detail) throws IOException {
            answered = true;
            ObjectNode node = ControlServer.error(message);
            node.set("detail", detail);
            writeLine(node);
        }

        @Override
        public void awaitClientGone() throws InterruptedException {
            ByteBuffer sink = ByteBuffer.allocate(256);
            try {
                while (channel.read(sink.clear()) >= 0) {
                    // a client says nothing after its request; anything it sends is ignored
                }
            } catch (IOException gone) {
                // closed by us or by the client
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing left to do
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        workers.shutdownNow();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            Logger.debug("cannot remove the control socket {}: {}", socket, e.getMessage());
        }
    }
}
