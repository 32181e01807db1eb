package io.berth.engine.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Read-only Engine API requests over the engine's unix socket, without docker-java: for
 * {@code berth doctor} and {@code berth support-bundle}, which must work when the agent does
 * not and must start fast. Plain HTTP/1.0 (one request per connection, no chunking).
 */
public final class EngineProbe {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 16 * 1024 * 1024;
    private static final long TIMEOUT_MS = 10_000;

    private final String host;
    private final Path socket;

    /** @param dockerHost {@code unix:///var/run/docker.sock} */
    public EngineProbe(String dockerHost) {
        this.host = dockerHost;
        this.socket = dockerHost.startsWith("unix://") ? Path.of(dockerHost.substring("unix://".length())) : null;
    }

    public String host() {
        return host;
    }

    /** GET a JSON resource, e.g. {@code /version}; fails with a message that says what to do. */
    public JsonNode getJson(String path) throws IOException {
        return JSON.readTree(get(path));
    }

    /** The last {@code tail} lines of a container's log, stdout and stderr merged, with timestamps. */
    public String logTail(String containerId, int tail) throws IOException {
        byte[] body = get("/containers/" + containerId + "/logs?stdout=1&stderr=1&timestamps=1&tail=" + tail);
        return demultiplex(body);
    }

    /** Without a TTY the engine frames output: 8-byte headers (stream, 0, 0, 0, length); with one, raw bytes. */
    static String demultiplex(byte[] body) {
        if (body.length < 8 || body[0] > 2 || body[1] != 0 || body[2] != 0 || body[3] != 0) {
            return new String(body, StandardCharsets.UTF_8);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at + 8 <= body.length) {
            int length = ((body[at + 4] & 0xff) << 24) | ((body[at + 5] & 0xff) << 16) | ((body[at + 6] & 0xff) << 8)
                    | (body[at + 7] & 0xff);
            int start = at + 8;
            int end = Math.min(body.length, start + Math.max(0, length));
            out.write(body, start, end - start);
            at = end;
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Streams a GET's body into a file (e.g. {@code /images/get?names=…}, a docker save archive). */
    public long download(String path, Path target) throws IOException {
        if (socket == null) {
            throw new IOException("only an engine on a unix socket can be used (docker host is " + host + ")");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach the engine at " + host + " (" + e.getMessage() + ")", e);
            }
            OutputStream out = Channels.newOutputStream(channel);
            out.write(("GET " + path + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(channel));
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0 || head.length() > 65536) {
                    throw new IOException("the engine at " + host + " sent no HTTP answer to GET " + path);
                }
                head.append((char) b);
            }
            String status = head.toString().lines().findFirst().orElse("");
            if (!status.matches("HTTP/1\\.[01] 200 .*")) {
                throw new IOException("the engine answered " + status + " to GET " + path + ": "
                        + new String(in.readNBytes(4096), StandardCharsets.UTF_8).trim());
            }
            return java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    byte[] get(String path) throws IOException {
        if (socket == null) {
            throw new IOException("only an engine on a unix socket can be checked (docker host is " + host + ")");
        }
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach the engine at " + host + " (" + e.getMessage() + ")", e);
        }
        ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "berth-engine-probe");
            t.setDaemon(true);
            return t;
        });
        try (channel) {
            timer.schedule(() -> {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // closing a hung request
                }
            }, TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
            OutputStream out = Channels.newOutputStream(channel);
            out.write(("GET " + path + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = Channels.newInputStream(channel);
            byte[] response = in.readNBytes(MAX_BODY);
            int split = indexOf(response, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            if (split < 0) {
                throw new IOException("the engine at " + host + " sent no HTTP answer to GET " + path);
            }
            String head = new String(response, 0, split, StandardCharsets.ISO_8859_1);
            String status = head.lines().findFirst().orElse("");
            String[] parts = status.split(" ", 3);
            int code = parts.length >= 2 ? Integer.parseInt(parts[1]) : 0;
            byte[] body = java.util.Arrays.copyOfRange(response, split + 4, response.length);
            if (code != 200) {
                throw new IOException("the engine answered " + status.substring(Math.min(status.length(), 9))
                        + " to GET " + path + ": " + new String(body, StandardCharsets.UTF_8).trim());
            }
            return body;
        } catch (java.nio.channels.AsynchronousCloseException e) {
            throw new IOException("the engine at " + host + " did not answer GET " + path + " within "
                    + TIMEOUT_MS / 1000 + " s", e);
        } finally {
            timer.shutdownNow();
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
