package io.berth.engine.http;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The engine's connections, under {@link EngineHttp}: where the engine is (a unix socket, or a plain
 * {@code tcp://host:port}), a request written on a new connection, the answer's head read from it,
 * and the one timer that closes a connection past its time limit.
 */
final class EngineChannels {
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static volatile ScheduledExecutorService watchdog;

    private final String host;
    private final Path socket;
    private final URI tcp;

    /**
     * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:port}; other schemes
     *     fail at the first request
     */
    EngineChannels(String dockerHost) {
        this.host = dockerHost;
        this.socket = dockerHost.startsWith("unix://") ? Path.of(URI.create(dockerHost).getPath()) : null;
        URI uri = dockerHost.startsWith("tcp://") ? URI.create(dockerHost) : null;
        this.tcp = uri != null && uri.getHost() != null && uri.getPort() > 0 && uri.getPort() <= 65535 ? uri : null;
    }

    String host() {
        return host;
    }

    /** The answer's head read from a channel a request was sent on; the channel closed if that fails. */
    static Exchange exchange(SocketChannel channel, String method) throws IOException {
        try {
            return new Exchange(channel, "HEAD".equals(method));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** A new connection with the request sent on it. */
    SocketChannel request(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        SocketChannel channel = connect();
        try {
            String length = body != null ? "Content-Length: " + body.length
                    : "GET".equals(method) || "HEAD".equals(method) ? null : "Content-Length: 0";
            writeHead(channel, method, path, headers, body != null, length);
            if (body != null) {
                writeFully(channel, ByteBuffer.wrap(body));
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    static void writeHead(SocketChannel channel, String method, String path, Map<String, String> headers,
            boolean hasBody, String length) throws IOException {
        StringBuilder head = new StringBuilder(256);
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\n");
        boolean upgrade = headers.keySet().stream().anyMatch("Upgrade"::equalsIgnoreCase);
        if (!upgrade) {
            head.append("Connection: close\r\n");
        }
        headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        if (hasBody && headers.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
            head.append("Content-Type: application/json\r\n");
        }
        if (length != null) {
            head.append(length).append("\r\n");
        }
        head.append("\r\n");
        writeFully(channel, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** A new blocking connection to the engine; the caller closes it. */
    SocketChannel connect() throws IOException {
        if (socket == null && tcp == null) {
            throw new IOException("cannot use the engine at " + host + ": give unix:///path/to/docker.sock or "
                    + "tcp://host:port (an engine listening without TLS)");
        }
        SocketChannel channel = socket != null ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            if (socket != null) {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } else {
                // a host that drops packets would otherwise hold the caller for the system's ~2 minutes
                channel.socket().connect(new InetSocketAddress(tcp.getHost(), tcp.getPort()), CONNECT_TIMEOUT_MS);
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new IOException("cannot reach the engine at " + host + " (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The timer that closes an exchange past its time limit. Its thread lives only while a call is
     * under way (no core thread; cancelled timeouts leave the queue at once), so an idle agent has
     * no thread for it.
     */
    static ScheduledExecutorService watchdog() {
        ScheduledExecutorService w = watchdog;
        if (w == null) {
            synchronized (EngineChannels.class) {
                if (watchdog == null) {
                    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(0, r -> {
                        Thread t = new Thread(r, "berth-engine-timeout");
                        t.setDaemon(true);
                        return t;
                    });
                    timer.setRemoveOnCancelPolicy(true);
                    // a pending limit (a pull may take hours) wakes the thread once per keep-alive
                    timer.setKeepAliveTime(60, TimeUnit.SECONDS);
                    watchdog = timer;
                }
                w = watchdog;
            }
        }
        return w;
    }

    static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
