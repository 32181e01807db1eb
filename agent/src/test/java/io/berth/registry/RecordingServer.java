package io.berth.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server on 127.0.0.1 for tests that records every request it gets (method, path and query, Authorization). */
final class RecordingServer implements AutoCloseable {
    /** A request as it arrived; {@code authorization} is null when it had none. */
    record Request(String method, String uri, String authorization) {}

    /** Answers a request (its body already read). */
    interface Handler {
        void handle(HttpExchange x) throws IOException;
    }

    final List<Request> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    RecordingServer(Handler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", x -> {
            try (x) {
                x.getRequestBody().readAllBytes();
                requests.add(new Request(x.getRequestMethod(), x.getRequestURI().toString(),
                        x.getRequestHeaders().getFirst("Authorization")));
                handler.handle(x);
            }
        });
        server.start();
    }

    /** {@code http://127.0.0.1:PORT}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The Authorization headers it got (null for a request without one). */
    List<String> authorizations() {
        return requests.stream().map(Request::authorization).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
