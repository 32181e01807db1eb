package io.berth.engine.docker;

import io.berth.engine.http.EngineHttp;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fake engine on a unix socket for unit tests: each request (one per connection, as
 * {@link EngineHttp} sends them) is recorded, and answered by the scripted answer for its method
 * whose path prefix is the longest match (the latest of equals); a request nothing matches is a 404
 * with the engine's kind of message. Closed by the test, which stops it listening.
 */
final class FakeEngine implements AutoCloseable {
    /** The most a request head may have: far past any the agent sends, small enough to fail clearly. */
    static final int MAX_HEAD = 1024 * 1024;

    /** One request as the engine got it; header names as sent, looked up without regard to case. */
    record Request(String method, String path, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private record Answer(String method, String pathPrefix, boolean exact, int status, String body) {
        boolean matches(Request r) {
            return method.equals(r.method()) && (exact ? r.path().equals(pathPrefix) : r.path().startsWith(pathPrefix));
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final List<Answer> answers = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    private FakeEngine(Path socket) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = new Thread(this::acceptAll, "fake-engine");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A fake engine listening on {@code socket}, with no answers yet (every request a 404). */
    static FakeEngine start(Path socket) throws IOException {
        return new FakeEngine(socket);
    }

    /** A fake engine whose {@code GET}s of exactly the paths of {@code gets} (query included) answer their JSON. */
    static FakeEngine serve(Path socket, Map<String, String> gets) throws IOException {
        FakeEngine engine = start(socket);
        gets.forEach((path, json) -> engine.answers.add(new Answer("GET", path, true, 200, json)));
        return engine;
    }

    /**
     * Answers {@code method} requests whose path (query included) starts with {@code pathPrefix}
     * with {@code status} and {@code body} (JSON, or null for none; a 204 or 304 never has one).
     */
    FakeEngine answer(String method, String pathPrefix, int status, String body) {
        answers.add(new Answer(method, pathPrefix, false, status, body));
        return this;
    }

    /** The client for this engine. */
    EngineHttp http() {
        return EngineHttp.of(socket);
    }

    /** {@code unix://…}, for the classes that take the engine's address. */
    String host() {
        return "unix://" + socket;
    }

    /** The requests so far, in the order they came. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The one request so far whose path starts with {@code pathPrefix} (any method); fails if not one. */
    Request only(String pathPrefix) {
        List<Request> found = requests.stream().filter(r -> r.path().startsWith(pathPrefix)).toList();
        if (found.size() != 1) {
            throw new AssertionError("expected one request for " + pathPrefix + ", got " + requests);
        }
        return found.get(0);
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(10_000);
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("the fake engine could not read a request: " + failures.get(0));
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private void acceptAll() {
        while (true) {
            SocketChannel connection;
            try {
                connection = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread t = new Thread(() -> serve(connection), "fake-engine-request");
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            InputStream in = new BufferedInputStream(Channels.newInputStream(connection));
            OutputStream out = Channels.newOutputStream(connection);
            Request request;
            try {
                request = read(in);
            } catch (IOException | RuntimeException e) {
                failures.add(e);
                return;
            }
            requests.add(request);
            Answer answer = match(request);
            int status = answer == null ? 404 : answer.status();
            String body = answer == null ? "{\"message\":\"No such object: " + request.path() + "\"}" : answer.body();
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status))
                    .append("\r\nApi-Version: 1.41\r\n");
            byte[] bytes = new byte[0];
            if (status != 204 && status != 304) {
                bytes = body == null ? bytes : body.getBytes(StandardCharsets.UTF_8);
                head.append("Content-Type: application/json\r\nContent-Length: ").append(bytes.length).append("\r\n");
            }
            out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            // the client went away: its own test says whether that was right
        }
    }

    private Answer match(Request request) {
        Answer best = null;
        for (Answer a : answers) {
            if (a.matches(request) && (best == null || a.pathPrefix().length() >= best.pathPrefix().length())) {
                best = a;
            }
        }
        return best;
    }

    /** Reads one request: its head (up to {@link #MAX_HEAD} bytes) and its body (by length, or chunked). */
    private static Request read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        int total = 0;
        for (String line; !(line = line(in)).isEmpty(); ) {
            total += line.length() + 2;
            if (total > MAX_HEAD) {
                throw new IOException("a request head longer than " + MAX_HEAD + " bytes");
            }
            lines.add(line);
        }
        if (lines.isEmpty()) {
            throw new IOException("an empty request");
        }
        String[] start = lines.get(0).split(" ");
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header : lines.subList(1, lines.size())) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).strip(), header.substring(colon + 1).strip());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String encoding = headers.getOrDefault("Transfer-Encoding", "");
        if (encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            for (int size; (size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) > 0; ) {
                body.write(in.readNBytes(size));
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (headers.containsKey("Content-Length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("Content-Length"))));
        }
        return new Request(start[0], start[1], headers, body.toString(StandardCharsets.UTF_8));
    }

    /** One line without its CRLF. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new EOFException("the request ended inside a line");
            }
            if (line.size() > MAX_HEAD) {
                throw new IOException("a request line longer than " + MAX_HEAD + " bytes");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 204 -> "No Content";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 409 -> "Conflict";
            case 500 -> "Internal Server Error";
            default -> "Status";
        };
    }
}
