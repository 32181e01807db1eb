package io.berth.engine.docker;

import com.github.dockerjava.transport.DockerHttpClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 to the engine's unix socket with the JDK's own unix-domain channels: one connection
 * per request ({@code Connection: close}), chunked and length-delimited bodies. It replaces
 * docker-java's Apache httpclient5 transport for {@code unix://} hosts because that one builds
 * a TLS context, a hostname verifier and the public-suffix list at start-up even though a unix
 * socket never uses them (about 600 classes and a few MiB of heap on a small device).
 * Hijacked (attached stdin) requests are not supported: Berth never attaches.
 */
final class UnixHttpClient implements DockerHttpClient {
    private final Path socket;

    UnixHttpClient(Path socket) {
        this.socket = socket;
    }

    @Override
    public Response execute(Request request) {
        if (request.hijackedInput() != null) {
            throw new UnsupportedOperationException("attaching to a container's stdin is not supported");
        }
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            byte[] body = bodyOf(request);
            StringBuilder head = new StringBuilder(256);
            head.append(request.method()).append(' ').append(request.path()).append(" HTTP/1.1\r\n")
                    .append("Host: docker\r\nConnection: close\r\n");
            request.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                if (!hasHeader(request.headers(), "Content-Type")) {
                    head.append("Content-Type: application/json\r\n");
                }
                head.append("Content-Length: ").append(body.length).append("\r\n");
            } else if (!"GET".equals(request.method()) && !"HEAD".equals(request.method())) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            OutputStream out = Channels.newOutputStream(channel);
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            return readResponse(channel, request.method());
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UncheckedIOException("engine socket " + socket + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static boolean hasHeader(Map<String, String> headers, String name) {
        return headers.keySet().stream().anyMatch(name::equalsIgnoreCase);
    }

    private static byte[] bodyOf(Request request) throws IOException {
        byte[] bytes = request.bodyBytes();
        if (bytes != null) {
            return bytes;
        }
        InputStream in = request.body();
        return in == null ? null : in.readAllBytes();
    }

    private static Response readResponse(SocketChannel channel, String method) throws IOException {
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 8192);
        String status = readLine(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(line.substring(0, colon).strip(), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).strip());
            }
        }
        InputStream body;
        String encoding = first(headers, "Transfer-Encoding");
        String length = first(headers, "Content-Length");
        if (code == 204 || code == 304 || code / 100 == 1 || "HEAD".equals(method)) {
            body = InputStream.nullInputStream();
        } else if (encoding != null && encoding.toLowerCase().contains("chunked")) {
            body = new Chunked(in);
        } else if (length != null) {
            body = new Limited(in, Long.parseLong(length));
        } else {
            body = in; // until the engine closes the connection
        }
        return new UnixResponse(channel, code, headers, body);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** One CRLF-terminated line (ISO-8859-1), without the terminator. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
        }
        throw new EOFException("the engine closed the connection");
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    @Override
    public void close() {
        // no pooled connections
    }

    private record UnixResponse(SocketChannel channel, int status, Map<String, List<String>> headers,
                                InputStream body) implements Response {
        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        public Map<String, List<String>> getHeaders() {
            return headers;
        }

        @Override
        public String getHeader(String name) {
            return first(headers, name);
        }

        @Override
        public InputStream getBody() {
            return body;
        }

        @Override
        public void close() {
            closeQuietly(channel);
        }
    }

    /** A body of Content-Length bytes. */
    static final class Limited extends InputStream {
        private final InputStream in;
        private long left;

        Limited(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), left);
        }
    }

    /** A chunked body (RFC 9112 §7.1), trailers skipped. */
    static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        private boolean nextChunk() throws IOException {
            if (done) {
                return false;
            }
            if (left == 0) {
                String size = readLine(in);
                int semicolon = size.indexOf(';');
                left = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).strip(), 16);
                if (left == 0) {
                    for (String trailer = readLine(in); !trailer.isEmpty(); trailer = readLine(in)) {
                        // skip trailers
                    }
                    done = true;
                    return false;
                }
            }
            return true;
        }

        private void endOfChunk() throws IOException {
            if (left == 0) {
                readLine(in); // the CRLF after the chunk's data
            }
        }

        @Override
        public int read() throws IOException {
            if (!nextChunk()) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the engine closed the connection inside a chunk");
            }
            left--;
            endOfChunk();
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (!nextChunk()) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n < 0) {
                throw new EOFException("the engine closed the connection inside a chunk");
            }
            left -= n;
            endOfChunk();
            return n;
        }

        @Override
        public int available() throws IOException {
            return done ? 0 : (int) Math.min(in.available(), left);
        }
    }
}
