package io.berth.engine.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.engine.EngineSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * HTTP/1.1 on the engine's unix socket with the JDK's unix-domain channels (or on a plain
 * {@code tcp://host:port}, for an engine that listens without TLS): one connection per
 * request ({@code Connection: close}), the answer decoded by {@link ResponseDecoder}. The one
 * client for every engine request: docker-java's transport ({@code UnixHttpClient}), the CLI's
 * {@link EngineSocket}, and the log reader share its decoders.
 */
public final class EngineHttp implements EngineSocket {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A read's limit: generous, as a busy engine on an SD card can take seconds to list or inspect. */
    private static final long TIMEOUT_MS = 30_000;
    private static final int MAX_JSON = 16 * 1024 * 1024;
    private static volatile ScheduledExecutorService watchdog;

    private final String host;
    private final Path socket;
    private final URI tcp;

    /**
     * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:port}; other schemes
     *     fail at the first request
     */
    public EngineHttp(String dockerHost) {
        this.host = dockerHost;
        this.socket = dockerHost.startsWith("unix://") ? Path.of(URI.create(dockerHost).getPath()) : null;
        URI uri = dockerHost.startsWith("tcp://") ? URI.create(dockerHost) : null;
        this.tcp = uri != null && uri.getHost() != null && uri.getPort() > 0 ? uri : null;
    }

    /** The client for a unix socket path. */
    public static EngineHttp of(Path socket) {
        return new EngineHttp("unix://" + socket);
    }

    @Override
    public String host() {
        return host;
    }

    /** Sends a request and reads the answer's head; the caller reads the body and closes the exchange. */
    public Exchange open(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        return exchange(request(method, path, headers, body), method);
    }

    /** The answer's head read from a channel a request was sent on; the channel closed if that fails. */
    private static Exchange exchange(SocketChannel channel, String method) throws IOException {
        try {
            return new Exchange(channel, "HEAD".equals(method));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** A new connection with the request sent on it. */
    private SocketChannel request(String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        SocketChannel channel = connect();
        try {
            StringBuilder head = new StringBuilder(256);
            head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: docker\r\nUser-Agent: berth\r\n");
            boolean upgrade = headers.keySet().stream().anyMatch("Upgrade"::equalsIgnoreCase);
            if (!upgrade) {
                head.append("Connection: close\r\n");
            }
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                if (headers.keySet().stream().noneMatch("Content-Type"::equalsIgnoreCase)) {
                    head.append("Content-Type: application/json\r\n");
                }
                head.append("Content-Length: ").append(body.length).append("\r\n");
            } else if (!"GET".equals(method) && !"HEAD".equals(method)) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            writeFully(channel, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
            if (body != null) {
                writeFully(channel, ByteBuffer.wrap(body));
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** A new blocking connection to the engine; the caller closes it. */
    SocketChannel connect() throws IOException {
        if (socket == null && tcp == null) {
            throw new IOException("cannot use the engine at " + host + ": give unix:///path/to/docker.sock or "
                    + "tcp://host:port (an engine listening without TLS)");
        }
        SocketChannel channel = socket != null ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
        try {
            channel.connect(socket != null ? UnixDomainSocketAddress.of(socket)
                    : new InetSocketAddress(tcp.getHost(), tcp.getPort()));
            return channel;
        } catch (IOException e) {
            closeQuietly(channel);
            throw new IOException("cannot reach the engine at " + host + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public JsonNode get(String path) throws IOException {
        byte[] body = call("GET", path, null);
        return JSON.readTree(body);
    }

    @Override
    public JsonNode post(String path, JsonNode body) throws IOException {
        return send("POST", path, body);
    }

    /**
     * Any request with a JSON body (or none); the JSON answer, or null when the engine sent no body.
     * A status other than 2xx is an {@link EngineStatusException}.
     */
    public JsonNode send(String method, String path, JsonNode body) throws IOException {
        return send(method, path, body, TIMEOUT_MS);
    }

    /** {@link #send(String, String, JsonNode)} with its own time limit (a stop waits for the grace period). */
    public JsonNode send(String method, String path, JsonNode body, long timeoutMs) throws IOException {
        byte[] answer = call(method, path, body == null ? null : JSON.writeValueAsBytes(body), timeoutMs);
        return answer.length == 0 ? null : JSON.readTree(answer);
    }

    @Override
    public String logTail(String containerId, int tail) throws IOException {
        byte[] body = call("GET", "/containers/" + containerId + "/logs?stdout=1&stderr=1&timestamps=1&tail=" + tail,
                null);
        ByteArrayOutputStream merged = new ByteArrayOutputStream(body.length);
        new FrameDemux(FrameDemux.Mode.DETECT, (stream, data, off, len) -> merged.write(data, off, len))
                .feed(body, 0, body.length);
        return merged.toString(StandardCharsets.UTF_8);
    }

    /** A whole answer within the time limit; a status other than 2xx is an error with the engine's message. */
    private byte[] call(String method, String path, byte[] body) throws IOException {
        return call(method, path, body, TIMEOUT_MS);
    }

    /**
     * The time limit counts from the request on, the answer's head included: the engine sends the
     * head of a change (a stop, a create) only once it is done.
     */
    private byte[] call(String method, String path, byte[] body, long timeoutMs) throws IOException {
        SocketChannel channel = request(method, path, Map.of(), body);
        SilenceWatch limit = new SilenceWatch(watchdog(), channel, timeoutMs);
        try (limit; Exchange exchange = exchange(channel, method)) {
            byte[] answer = exchange.body().readNBytes(MAX_JSON);
            if (exchange.head().status() / 100 != 2) {
                throw new EngineStatusException(method, path, exchange.head().status(), answer);
            }
            return answer;
        } catch (IOException e) {
            if (limit.fired()) {
                throw new IOException("the engine at " + host + " did not answer " + method + " " + path
                        + " within " + SilenceWatch.describe(timeoutMs), e);
            }
            throw e;
        }
    }

    /** What gets each JSON object of a streamed answer. */
    public interface JsonSink {
        void accept(JsonNode object) throws IOException;
    }

    /**
     * A request whose answer is a stream of JSON objects (a pull's progress): each goes to {@code each}
     * as it arrives, until the answer ends. It may take as long as it takes while the engine keeps
     * talking; after {@code silenceMs} without a message it is given up with a {@link SilenceException}.
     * A status other than 2xx is an {@link EngineStatusException}.
     */
    public void stream(String method, String path, Map<String, String> headers, long silenceMs, JsonSink each)
            throws IOException {
        SocketChannel channel = request(method, path, headers, null);
        SilenceWatch watch = new SilenceWatch(watchdog(), channel, silenceMs);
        try (watch; Exchange exchange = exchange(channel, method)) {
            if (exchange.head().status() / 100 != 2) {
                throw new EngineStatusException(method, path, exchange.head().status(), exchange.body().readNBytes(4096));
            }
            try (JsonParser parser = JSON.createParser(exchange.body())) {
                while (parser.nextToken() == JsonToken.START_OBJECT) {
                    watch.heard();
                    each.accept(parser.readValueAsTree());
                }
            }
        } catch (IOException e) {
            if (watch.fired()) {
                throw new SilenceException("the engine at " + host + " said nothing for "
                        + SilenceWatch.describe(silenceMs) + " while answering " + method + " " + path, e);
            }
            throw e;
        }
    }

    /** A streamed answer given up because the engine stopped talking. */
    public static final class SilenceException extends IOException {
        SilenceException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public long download(String path, Path target, LongConsumer progress) throws IOException {
        try (Exchange exchange = open("GET", path, Map.of(), null)) {
            InputStream in = exchange.body();
            if (exchange.head().status() != 200) {
                throw new IOException(EngineErrors.describe("GET", path, exchange.head().status(), in.readNBytes(4096)));
            }
            long total = 0;
            byte[] buffer = new byte[64 * 1024];
            try (OutputStream out = Files.newOutputStream(target)) {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    out.write(buffer, 0, n);
                    total += n;
                    progress.accept(total);
                }
            }
            return total;
        }
    }

    @Override
    public Upgraded upgrade(String path, JsonNode body) throws IOException {
        Exchange exchange = open("POST", path, Map.of("Connection", "Upgrade", "Upgrade", "tcp"),
                JSON.writeValueAsBytes(body));
        int status = exchange.head().status();
        if (status != 101 && status != 200) {
            byte[] answer = exchange.body().readNBytes(4096);
            exchange.close();
            throw new IOException(EngineErrors.describe("POST", path, status, answer));
        }
        return exchange;
    }

    /**
     * The timer that closes an exchange past its time limit. Its thread lives only while a call is
     * under way (no core thread; cancelled timeouts leave the queue at once), so an idle agent has
     * no thread for it.
     */
    private static ScheduledExecutorService watchdog() {
        ScheduledExecutorService w = watchdog;
        if (w == null) {
            synchronized (EngineHttp.class) {
                if (watchdog == null) {
                    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(0, r -> {
                        Thread t = new Thread(r, "berth-engine-timeout");
                        t.setDaemon(true);
                        return t;
                    });
                    timer.setRemoveOnCancelPolicy(true);
                    timer.setKeepAliveTime(1, TimeUnit.SECONDS);
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
