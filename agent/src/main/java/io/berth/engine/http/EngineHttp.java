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
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
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

    private final EngineChannels channels;

    /**
     * @param dockerHost {@code unix:///var/run/docker.sock} or {@code tcp://host:port}; other schemes
     *     fail at the first request
     */
    public EngineHttp(String dockerHost) {
        this.channels = new EngineChannels(dockerHost);
    }

    /** The client for a unix socket path. */
    public static EngineHttp of(Path socket) {
        return new EngineHttp("unix://" + socket);
    }

    @Override
    public String host() {
        return channels.host();
    }

    /** Sends a request and reads the answer's head; the caller reads the body and closes the exchange. */
    public Exchange open(String method, String path, Map<String, String> headers, byte[] body) throws IOException {
        return EngineChannels.exchange(channels.request(method, path, headers, body), method);
    }

    /** A new blocking connection to the engine; the caller closes it. */
    SocketChannel connect() throws IOException {
        return channels.connect();
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
        SocketChannel channel = channels.request(method, path, Map.of(), body);
        SilenceWatch limit = new SilenceWatch(EngineChannels.watchdog(), channel, timeoutMs);
        try (limit; Exchange exchange = EngineChannels.exchange(channel, method)) {
            byte[] answer = exchange.body().readNBytes(MAX_JSON);
            if (exchange.head().status() / 100 != 2) {
                throw new EngineStatusException(method, path, exchange.head().status(), answer);
            }
            return answer;
        } catch (IOException e) {
            if (limit.fired()) {
                throw new IOException("the engine at " + host() + " did not answer " + method + " " + path
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
        SocketChannel channel = channels.request(method, path, headers, null);
        SilenceWatch watch = new SilenceWatch(EngineChannels.watchdog(), channel, silenceMs);
        try (watch; Exchange exchange = EngineChannels.exchange(channel, method)) {
            readObjects(exchange, method, path, watch, each);
        } catch (IOException e) {
            throw watch.fired() ? silence(method, path, silenceMs, e) : e;
        }
    }

    /**
     * As {@link #stream}, with a body of unknown length sent as it is read (an image archive for
     * {@code POST /images/load}): each part written counts as the engine listening. When the engine
     * cuts the upload short with an answer (a broken archive), that answer is the error.
     */
    public void upload(String path, String contentType, InputStream body, long silenceMs, long answerMs,
            JsonSink each) throws IOException {
        SocketChannel channel = channels.connect();
        SilenceWatch watch = new SilenceWatch(EngineChannels.watchdog(), channel, silenceMs);
        try (watch) {
            boolean reading = false;
            try {
                EngineChannels.writeHead(channel, "POST", path, Map.of("Content-Type", contentType), true,
                        "Transfer-Encoding: chunked");
                byte[] buffer = new byte[64 * 1024];
                for (int n = 0; n >= 0; ) {
                    reading = true;
                    n = body.read(buffer);
                    reading = false;
                    if (n == 0 && watch.fired()) {
                        throw new IOException("the archive gave no bytes for " + SilenceWatch.describe(silenceMs));
                    }
                    if (n > 0) {
                        byte[] size = (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                        EngineChannels.writeFully(channel, ByteBuffer.wrap(size));
                        EngineChannels.writeFully(channel, ByteBuffer.wrap(buffer, 0, n));
                        EngineChannels.writeFully(channel, ByteBuffer.wrap(CRLF));
                        watch.heard();
                    }
                }
                EngineChannels.writeFully(channel, ByteBuffer.wrap("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException | RuntimeException e) {
                // a write the engine cut short may carry its answer (a broken archive); a failed read
                // of the archive itself is this side's (the engine drops the unfinished load)
                if (!reading && !watch.fired()) {
                    refusedUpload(channel, path, e);
                }
                EngineChannels.closeQuietly(channel);
                throw e;
            }
        } catch (IOException e) {
            throw watch.fired() ? silence("POST", path, silenceMs, e) : e;
        }
        // the whole archive is out: the engine may work on it a long while before it says a word
        SilenceWatch answer = new SilenceWatch(EngineChannels.watchdog(), channel, answerMs);
        try (answer; Exchange exchange = EngineChannels.exchange(channel, "POST")) {
            readObjects(exchange, "POST", path, answer, each);
        } catch (IOException e) {
            throw answer.fired() ? silence("POST", path, answerMs, e) : e;
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /** Throws the engine's answer to an upload it stopped reading, when it sent one. */
    private static void refusedUpload(SocketChannel channel, String path, Exception writing) throws IOException {
        int status;
        byte[] answer;
        try (Exchange exchange = new Exchange(channel, false)) {
            status = exchange.head().status();
            answer = exchange.body().readNBytes(4096);
        } catch (IOException | RuntimeException none) {
            return; // no answer: the write's own failure says what happened
        }
        if (status / 100 != 2) {
            EngineStatusException e = new EngineStatusException("POST", path, status, answer);
            e.addSuppressed(writing);
            throw e;
        }
        // dockerd answers a broken archive with 200 and the error inside the stream
        String said = new String(answer, StandardCharsets.UTF_8);
        try (JsonParser parser = JSON.createParser(said)) {
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                JsonNode o = parser.readValueAsTree();
                String error = o.path("errorDetail").path("message").asText(o.path("error").asText(""));
                if (!error.isEmpty()) {
                    IOException e = new IOException("the engine stopped reading the upload: " + error);
                    e.addSuppressed(writing);
                    throw e;
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException notJson) {
            // no message to add: the write's own failure says what happened
        }
    }

    private static void readObjects(Exchange exchange, String method, String path, SilenceWatch watch, JsonSink each)
            throws IOException {
        if (exchange.head().status() / 100 != 2) {
            throw new EngineStatusException(method, path, exchange.head().status(), exchange.body().readNBytes(4096));
        }
        try (JsonParser parser = JSON.createParser(exchange.body())) {
            while (parser.nextToken() == JsonToken.START_OBJECT) {
                watch.heard();
                each.accept(parser.readValueAsTree());
            }
        }
    }

    private SilenceException silence(String method, String path, long silenceMs, IOException e) {
        return new SilenceException("the engine at " + host() + " said nothing for " + SilenceWatch.describe(silenceMs)
                + " while answering " + method + " " + path, e);
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

}
